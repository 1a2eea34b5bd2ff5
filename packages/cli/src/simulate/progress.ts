/**
 * A one-line progress bar: redrawn in place with \r on a terminal, and on anything else (CI logs,
 * pipes) a plain line every tenth of the way, so logs are not flooded with redraws.
 */
export interface Progress {
  update(done: number, note?: string): void;
  /** Ends the bar at `done` (a run that stopped early ends short of the total). */
  finish(done: number, note?: string): void;
}

const WIDTH = 28;
const REDRAW_MS = 100;

export interface ProgressOptions {
  out: NodeJS.WritableStream;
  isTTY: boolean;
  total: number;
  label: string;
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const { out, isTTY, total, label, now = Date.now } = options;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  let lastLength = 0;
  const line = (done: number, note: string) => {
    const frac = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(frac * WIDTH);
    const pct = `${Math.floor(frac * 100)}`.padStart(3);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${pct}% ${done}/${total}${note ? `  ${note}` : ''}`;
  };
  const draw = (done: number, note: string) => {
    const text = line(done, note);
    // Pad over the remains of a longer previous line.
    out.write(`\r${text}${' '.repeat(Math.max(0, lastLength - text.length))}`);
    lastLength = text.length;
  };
  return {
    update(done, note = '') {
      if (isTTY) {
        const t = now();
        if (t - lastDraw < REDRAW_MS) return;
        lastDraw = t;
        draw(done, note);
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        out.write(`${line(done, note)}\n`);
      }
    },
    finish(done, note = '') {
      if (isTTY) {
        draw(done, note);
        out.write('\n');
      } else if (lastTenth < 10 || done < total) {
        out.write(`${line(done, note)}\n`);
      }
    },
  };
}
