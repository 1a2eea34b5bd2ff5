import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP proxy in front of ClickHouse that holds chosen requests, so a test can fix the
 * interleaving of two writers (a migration racing another, an insert landing late). A request is matched
 * on its decoded URL (where @clickhouse/client puts the query) and body.
 */
interface Gate {
  match: RegExp;
  need: number;
  arrived: number;
  opened: boolean;
  waiters: (() => void)[];
  reach: () => void;
}

export function holdingProxy(target: URL) {
  const gates: Gate[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const text = `${decodeURIComponent(req.url ?? '')}\n${body.toString('utf8')}`;
      const g = gates.find((x) => !x.opened && x.match.test(text));
      if (g !== undefined) {
        g.arrived++;
        if (g.arrived >= g.need) g.reach();
        await new Promise<void>((r) => (g.opened ? r() : g.waiters.push(r)));
      }
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 500, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', (e) => res.destroy(e));
      up.end(body);
    });
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    /** Holds requests matching `match` until open(); with `barrier`, until `need` of them have arrived. */
    gate(match: RegExp, need = 1, barrier = false) {
      let reach!: () => void;
      const reached = new Promise<void>((r) => {
        reach = r;
      });
      const g: Gate = { match, need, arrived: 0, opened: false, waiters: [], reach };
      const open = () => {
        g.opened = true;
        for (const w of g.waiters.splice(0)) w();
      };
      if (barrier) void reached.then(open);
      gates.push(g);
      return { reached, open };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
