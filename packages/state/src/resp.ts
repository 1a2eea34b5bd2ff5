import { Command, type Redis, ReplyError } from 'ioredis';

/**
 * One Redis command as the bytes RESP puts on the wire: `*<n>\r\n`, then `$<bytes>\r\n<bytes>\r\n` for
 * each part, strings as UTF-8. What ioredis writes for the same parts, built in one Buffer.
 *
 * Why not ioredis's own encoding: a commit has ~4,000 parts (a key and a state per learner, and the
 * outbox). ioredis concatenates a header string per part, takes each part's byte length twice and
 * copies the pieces into a Buffer when one part is a Buffer; that was ~3 µs of the detector's CPU per
 * event, a tenth of it (profile of `pnpm bench:detector`). Sized once, written once here.
 *
 * The bytes go into `scratch` when it is large enough (a buffer of an answered command, see
 * spareBuffer): a fresh 2.7 MB buffer cost 0.5-1.6 ms of page faults on first touch, and a commit of
 * 2,000 learners is ~1.3-1.7 MB. Otherwise into a new one with a quarter of headroom, so that the next,
 * slightly larger commit fits it too; the Buffer returned is then a view of its first `size` bytes
 * (spareBuffer recovers the whole).
 */
export function encodeCommand(parts: readonly (string | Buffer)[], scratch?: Buffer): Buffer {
  const n = parts.length;
  const sizes = new Array<number>(n);
  let size = 1 + digits(n) + 2;
  for (let i = 0; i < n; i++) {
    const p = parts[i] as string | Buffer;
    const bytes = typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    sizes[i] = bytes;
    size += 1 + digits(bytes) + 2 + bytes + 2;
  }
  const buf = (
    scratch !== undefined && scratch.length >= size
      ? scratch.subarray(0, size)
      : Buffer.from(new ArrayBuffer(Math.ceil(size * 1.25)), 0, size)
  ) as Latin1Writer;
  let at = header(buf, 0, 0x2a, n);
  for (let i = 0; i < n; i++) {
    const p = parts[i] as string | Buffer;
    const bytes = sizes[i] as number;
    at = header(buf, at, 0x24, bytes);
    if (typeof p !== 'string') at += p.copy(buf, at);
    // Equal lengths mean every character is ASCII, whose UTF-8 is its latin1: a plain copy.
    else if (bytes === p.length) at += buf.latin1Write(p, at, bytes);
    else at += buf.write(p, at, bytes, 'utf8');
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
  }
  if (at !== size) throw new Error(`encodeCommand: wrote ${at} bytes, sized ${size}`);
  return buf;
}

/** Buffer's latin1 writer: public on Buffer.prototype, missing from @types/node (as in the detector's outbox.ts). */
type Latin1Writer = Buffer & { latin1Write(text: string, offset: number, length: number): number };

function digits(n: number): number {
  let d = 1;
  for (let p = 10; p <= n; p *= 10) d++;
  return d;
}

/** `<mark><n>\r\n` at `at`; returns the offset after it. */
function header(buf: Buffer, at: number, mark: number, n: number): number {
  buf[at] = mark;
  const end = at + 1 + digits(n);
  let rest = n;
  for (let j = end - 1; j > at; j--) {
    const q = Math.floor(rest / 10);
    buf[j] = 48 + rest - q * 10;
    rest = q;
  }
  buf[end] = 0x0d;
  buf[end + 1] = 0x0a;
  return end + 2;
}

/** A command whose wire bytes were built beforehand (encodeCommand); ioredis queues and answers it as any other. */
class EncodedCommand extends Command {
  readonly #bytes: Buffer;

  constructor(name: string, bytes: Buffer) {
    super(name, [], { replyEncoding: 'utf8' });
    this.#bytes = bytes;
  }

  override toWritable(): Buffer {
    return this.#bytes;
  }
}

/**
 * Sends encodeCommand(parts) on the client's connection. `name` is the command's name (its first part)
 * for ioredis's bookkeeping; the reply is decoded as UTF-8, as ioredis's own commands' are.
 */
function sendEncoded(client: Redis, name: string, bytes: Buffer): Promise<unknown> {
  const command = new EncodedCommand(name, bytes);
  client.sendCommand(command);
  return command.promise;
}

/** The whole buffer `bytes` (from encodeCommand) was written into, to pass as the next `scratch`. */
export function spareBuffer(bytes: Buffer): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset);
}

/** An error Redis answered (the command was sent whole), as against a timeout or a lost connection. */
const isReplyError = (err: unknown): err is Error => err instanceof ReplyError;

/**
 * Buffers kept for reuse: one per command in flight. The detector runs up to 4 partitions' batches at
 * once (its partitionsConcurrently), each loading (MGET) or committing one command at a time.
 */
const MAX_SPARE_BUFFERS = 4;
/** SCRIPT LOADs a prepared EVALSHA may make when answered NOSCRIPT, before the NOSCRIPT is the caller's. */
const MAX_SCRIPT_LOADS = 3;

/**
 * Sends commands as prepared bytes on `client`, reusing the buffers of answered ones. Only an answer
 * proves the socket is done with the bytes: after a timeout or a lost connection ioredis may still hold
 * them to send (its offline queue, its resend of unanswered commands after a reconnect), so such a
 * buffer is never reused.
 */
export function createPreparedSender(client: Redis) {
  const spare: Buffer[] = [];

  /**
   * The command `parts`, encoded now: what a caller holds until it is sent is one buffer outside the JS
   * heap, not the parts (thousands of strings for a commit, copied by every young-generation GC while
   * the command is in flight).
   */
  function encode(parts: readonly (string | Buffer)[]): PreparedCommand {
    return { name: (parts[0] as string).toLowerCase(), bytes: encodeCommand(parts, spare.pop()) };
  }

  /**
   * Sends a prepared command and returns its reply (UTF-8). With `script`, it is an EVALSHA of it: after
   * NOSCRIPT (a restarted or flushed server) it loads the script and sends the same bytes again, a few
   * times if the script is lost again in between (ioredis's own scripts fall back to EVAL). Send each
   * prepared command once: its buffer is reused after the answer.
   */
  async function send({ name, bytes }: PreparedCommand, script?: string): Promise<unknown> {
    const answered = () => {
      if (spare.length < MAX_SPARE_BUFFERS) spare.push(spareBuffer(bytes));
    };
    let loads = 0;
    const attempt = (): Promise<unknown> =>
      sendEncoded(client, name, bytes).catch(async (err: unknown) => {
        const noScript = script !== undefined && isReplyError(err) && err.message.startsWith('NOSCRIPT');
        if (!noScript || loads++ >= MAX_SCRIPT_LOADS) throw err;
        await client.script('LOAD', script);
        return attempt();
      });
    try {
      const reply = await attempt();
      answered();
      return reply;
    } catch (err) {
      if (isReplyError(err)) answered();
      throw err;
    }
  }

  return { encode, send };
}

/** A command encoded by a prepared sender, to send once. */
export interface PreparedCommand {
  readonly name: string;
  readonly bytes: Buffer;
}
