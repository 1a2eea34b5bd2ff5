/**
 * Test support: a TCP proxy in front of one real Kafka broker, to simulate network faults without touching
 * the broker. Metadata answers name the broker by its advertised host and port; the proxy rewrites that port
 * (same length, so frames keep their size) to its own, so every connection a client opens after bootstrap
 * goes through the proxy too.
 *
 * Modes (for new data on every connection, existing ones included):
 * - `pass`: forward both ways.
 * - `refuse`: stop listening (new connections get ECONNREFUSED) and destroy existing ones.
 * - `reset`: destroy every connection with a TCP RST on its next byte from the client; new ones too.
 * - `stall`: forward nothing either way and close nothing (a black hole); connections stalled once stay
 *   black holes after the mode changes, as a dead NAT entry would.
 * - `drop-produce`: a Produce request is forwarded only in part, then both sides are destroyed.
 * - `lose-produce-answer`: a Produce request is forwarded whole; its answer is not, and both sides are
 *   destroyed once it arrives (the broker wrote the records, the client never hears so).
 * - `reset-find-coordinator`: a FindCoordinator request destroys its connection with a TCP RST; every
 *   other request is forwarded (the coordinator of the group cannot be found, the rest of the broker works).
 */
import net from 'node:net';

export type ProxyMode =
  | 'pass'
  | 'refuse'
  | 'reset'
  | 'stall'
  | 'drop-produce'
  | 'lose-produce-answer'
  | 'reset-find-coordinator';

export interface KafkaProxy {
  /** `127.0.0.1:<port>`, for `brokers`. */
  address: string;
  mode(next: ProxyMode): Promise<void>;
  /** Produce requests seen from clients so far (api key 0). */
  produceRequests(): number;
  close(): Promise<void>;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  stalled: boolean;
  /** Correlation ids of Produce requests whose answer must be lost. */
  loseAnswers: Set<number>;
}

/** Splits a stream of size-prefixed Kafka frames; `onFrame` gets each whole frame, size included. */
function framer(onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < 4 + size) break;
      onFrame(pending.subarray(0, 4 + size));
      pending = pending.subarray(4 + size);
    }
  };
}

export async function startKafkaProxy(target: string): Promise<KafkaProxy> {
  const [host, portText] = target.split(':') as [string, string];
  const targetPort = Number(portText);
  const advertised = Buffer.concat([Buffer.from(host), Buffer.alloc(4)]);
  advertised.writeInt32BE(targetPort, host.length);
  let mode: ProxyMode = 'pass';
  let listenPort = 0;
  let produces = 0;
  const conns = new Set<Conn>();

  function rewrite(frame: Buffer): Buffer {
    let at = frame.indexOf(advertised);
    while (at >= 0) {
      frame.writeInt32BE(listenPort, at + host.length);
      at = frame.indexOf(advertised, at + advertised.length);
    }
    return frame;
  }

  function kill(c: Conn, rst = false): void {
    conns.delete(c);
    if (rst && typeof c.client.resetAndDestroy === 'function') c.client.resetAndDestroy();
    else c.client.destroy();
    c.upstream.destroy();
  }

  function onConnection(client: net.Socket): void {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host, port: targetPort });
    const c: Conn = { client, upstream, stalled: mode === 'stall', loseAnswers: new Set() };
    conns.add(c);
    client.on('error', () => kill(c));
    upstream.on('error', () => kill(c));
    client.on('close', () => kill(c));
    upstream.on('close', () => kill(c));
    client.on(
      'data',
      framer((frame) => {
        if (!conns.has(c)) return;
        if (mode === 'stall') c.stalled = true;
        if (c.stalled) return;
        if (mode === 'reset') {
          kill(c, true);
          return;
        }
        const apiKey = frame.readInt16BE(4);
        if (apiKey === 10 && mode === 'reset-find-coordinator') {
          kill(c, true);
          return;
        }
        if (apiKey === 0) {
          produces++;
          if (mode === 'drop-produce') {
            upstream.write(frame.subarray(0, Math.floor(frame.length / 2)));
            setTimeout(() => kill(c), 20);
            return;
          }
          if (mode === 'lose-produce-answer') c.loseAnswers.add(frame.readInt32BE(8));
        }
        upstream.write(frame);
      }),
    );
    upstream.on(
      'data',
      framer((frame) => {
        if (!conns.has(c) || c.stalled) return;
        if (c.loseAnswers.size > 0 && c.loseAnswers.has(frame.readInt32BE(4))) {
          kill(c);
          return;
        }
        client.write(rewrite(Buffer.from(frame)));
      }),
    );
  }

  let server = net.createServer(onConnection);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        listenPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await listen(0);
  let listening = true;

  return {
    address: `127.0.0.1:${listenPort}`,
    async mode(next) {
      mode = next;
      if (next === 'refuse') {
        for (const c of [...conns]) kill(c);
        if (listening) {
          listening = false;
          await stop();
        }
      } else if (!listening) {
        server = net.createServer(onConnection);
        await listen(listenPort);
        listening = true;
      }
      if (next === 'reset') for (const c of [...conns]) kill(c, true);
    },
    produceRequests: () => produces,
    async close() {
      for (const c of [...conns]) kill(c);
      if (listening) await stop();
    },
  };
}
