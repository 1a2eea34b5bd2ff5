// HTTP load generator of the ingest benchmark, run as a child process so it does not share the server's
// event loop or RSS. Plain JS: no TypeScript loader needed. Protocol: one IPC message in, one out.
import http from 'node:http';

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function postOnce(agent, port, token, body) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/events',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          let accepted = 0;
          if (res.statusCode === 200) accepted = JSON.parse(Buffer.concat(chunks).toString()).accepted;
          resolve({ status: res.statusCode, accepted });
        });
      },
    );
    req.on('error', () => resolve({ status: 0, accepted: 0 }));
    req.end(body);
  });
}

async function run(task) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: task.concurrency });
  const latencies = [];
  const statuses = {};
  let accepted = 0;
  let requests = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + task.durationMs;
  const one = async (scheduledAt) => {
    const body = task.bodies[next++ % task.bodies.length];
    const r = await postOnce(agent, task.port, task.token, body);
    // Latency counts from when the request was due (open loop), so queueing is not hidden.
    latencies.push(performance.now() - scheduledAt);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    accepted += r.accepted;
    requests++;
  };
  if (task.requestsPerSec === undefined) {
    // Closed loop: `concurrency` connections, each sends its next request when the previous one answered.
    await Promise.all(
      Array.from({ length: task.concurrency }, async () => {
        while (performance.now() < deadline) await one(performance.now());
      }),
    );
  } else {
    // Open loop at a fixed request rate, whatever the latency.
    const interval = 1000 / task.requestsPerSec;
    const inflight = new Set();
    for (let i = 0; ; i++) {
      const due = started + i * interval;
      if (due >= deadline) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const p = one(due).then(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
  }
  const elapsedMs = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests,
    accepted,
    elapsedMs,
    statuses,
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
  };
}

process.on('message', async (task) => {
  const result = await run(task);
  process.send(result, () => process.exit(0));
});
