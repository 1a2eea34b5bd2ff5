import { parseArgs } from 'node:util';
import { DEMO_TOKENS } from '@hourglass/runtime';
import { UsageError } from '../errors';
import { failures, simulate } from '../simulate';
import { HELP } from './help';

/** `hourglass simulate`: parses options (defaults talk to a development-configuration Hourglass). */
export async function runSimulateCommand(args: string[], _env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      'ingest-url': { type: 'string' },
      platforms: { type: 'string', default: '3' },
      learners: { type: 'string', default: '100' },
      minutes: { type: 'string', default: '30' },
      speedup: { type: 'string', default: '0' },
      cheaters: { type: 'string', default: '0.2' },
      seed: { type: 'string', default: '1' },
      replay: { type: 'boolean', default: false },
      'id-prefix': { type: 'string' },
      'platform-token': { type: 'string', multiple: true },
      'admin-token': { type: 'string', default: DEMO_TOKENS.admin },
      'supervisor-token': { type: 'string', default: DEMO_TOKENS.supervisor },
      'statistician-token': { type: 'string', default: DEMO_TOKENS.statistician },
    },
    strict: true,
  });
  const platformTokens: Record<string, string> = { ...DEMO_TOKENS.platforms };
  if (values['platform-token']?.length) {
    for (const key of Object.keys(platformTokens)) delete platformTokens[key];
    for (const pair of values['platform-token']) {
      const { id, token } = splitPlatformToken(pair);
      if (!id || !token) {
        // The value is, or contains, a platform's token: name at most the platform id, never echo it.
        const got = id && pair.includes('=') ? ` (no token after "${id}=")` : '';
        process.stderr.write(`--platform-token takes id=token${got}\n\n${HELP.simulate}\n`);
        return 2;
      }
      platformTokens[id] = token;
    }
  }
  const num = (name: keyof typeof values): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n))
      throw new UsageError(`--${name} must be a number, got ${JSON.stringify(values[name])}`);
    return n;
  };
  // The client would retry a URL that can never be fetched for minutes (`--url localhost:8080`, say).
  for (const name of ['url', 'ingest-url'] as const) {
    const v = values[name];
    if (v !== undefined && !(URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol)))
      throw new UsageError(`--${name} must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
  }
  const summary = await simulate({
    url: String(values.url).replace(/\/$/, ''),
    ...(values['ingest-url'] === undefined ? {} : { ingestUrl: values['ingest-url'].replace(/\/$/, '') }),
    platformTokens,
    adminToken: String(values['admin-token']),
    supervisorToken: String(values['supervisor-token']),
    statisticianToken: String(values['statistician-token']),
    platforms: num('platforms'),
    learners: num('learners'),
    minutes: num('minutes'),
    speedup: num('speedup'),
    cheaters: num('cheaters'),
    seed: num('seed'),
    replay: Boolean(values.replay),
    // A fresh population per run by default: the same ids again would be deduplicated by the server.
    idPrefix: values['id-prefix'] ?? `sim${String(values.seed)}-${Date.now().toString(36)}`,
    out: process.stdout,
    isTTY: Boolean(process.stdout.isTTY),
  });
  return failures(summary).length === 0 ? 0 : 3;
}

/** `id=token`, split at the first `=`: a token may hold `=` itself (base64 padding). */
export function splitPlatformToken(pair: string): { id: string; token: string } {
  const eq = pair.indexOf('=');
  return eq < 0 ? { id: pair, token: '' } : { id: pair.slice(0, eq), token: pair.slice(eq + 1) };
}
