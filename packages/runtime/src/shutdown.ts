import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
  /** Bound for this step; defaults to the registration's timeoutMs. */
  timeoutMs?: number;
}

export interface ShutdownOptions {
  logger: Logger;
  /** Run in order: typically stop accepting (close the server), flush, close clients. */
  steps: ShutdownStep[];
  /** Bound of each step; a step that hangs must not keep a dying process alive. */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  /** Injected for tests; process.exit by default. */
  exit?: (code: number) => void;
  /** Where signals are subscribed; `process` by default. */
  emitter?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export interface ShutdownHandle {
  /** Runs the steps (once; later calls get the same promise) and then exits with 0, or 1 if a step failed. */
  shutdown(reason: string): Promise<number>;
  /** Unsubscribes the signal handlers (tests). */
  dispose(): void;
}

function bounded(step: ShutdownStep, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve().then(step.run),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Graceful shutdown on SIGTERM/SIGINT; a second signal during shutdown exits at once. */
export function registerShutdown(options: ShutdownOptions): ShutdownHandle {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const emitter = options.emitter ?? process;
  let running: Promise<number> | null = null;

  const shutdown = (reason: string): Promise<number> => {
    if (running) return running;
    running = (async () => {
      logger.info({ reason }, 'shutting down');
      let code = 0;
      for (const step of options.steps) {
        const started = Date.now();
        try {
          await bounded(step, step.timeoutMs ?? timeoutMs);
          logger.info({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
        } catch (err) {
          code = 1;
          logger.error({ step: step.name, err }, 'shutdown step failed');
        }
      }
      logger.info({ code }, 'shutdown complete');
      logger.flush?.();
      exit(code);
      return code;
    })();
    return running;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    void shutdown(signal);
  };
  for (const s of signals) emitter.on(s, onSignal);
  return {
    shutdown,
    dispose: () => {
      for (const s of signals) emitter.off(s, onSignal);
    },
  };
}
