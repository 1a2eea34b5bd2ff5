import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { runIfMain } from './run-if-main';

const SCRIPT = '/srv/hourglass/services/ingest/src/main.ts';
const URL_OF_SCRIPT = pathToFileURL(SCRIPT).href;

function harness(main: () => Promise<void>, argv: string[] = ['node', SCRIPT]) {
  const out = { stderr: '', exits: [] as number[], ran: 0 };
  const options = {
    moduleUrl: URL_OF_SCRIPT,
    name: 'ingest',
    main: async () => {
      out.ran++;
      await main();
    },
    argv,
    stderr: { write: (text: string) => (out.stderr += text) },
    exit: (code: number) => void out.exits.push(code),
  };
  return { out, run: () => runIfMain(options) };
}

describe('runIfMain', () => {
  it('runs main when the module is the entry script', async () => {
    const { out, run } = harness(async () => {});
    await run();
    expect(out).toEqual({ stderr: '', exits: [], ran: 1 });
  });

  it('does nothing when the module is imported (another entry script, or none)', async () => {
    for (const argv of [['node', '/srv/hourglass/packages/cli/bin/hourglass.mjs'], ['node']]) {
      const { out, run } = harness(async () => {}, argv);
      await run();
      expect(out.ran).toBe(0);
    }
  });

  it('a ConfigError is written as one message without a stack trace, and the process exits 2', async () => {
    const { out, run } = harness(async () => {
      throw new ConfigError('env_invalid', 'invalid environment', ['PORT: must be a port number']);
    });
    await run();
    expect(out.exits).toEqual([2]);
    expect(out.stderr).toBe('hourglass ingest: invalid environment:\n  - PORT: must be a port number\n');
  });

  it('anything else is rethrown (an unhandled error ends the process with 1)', async () => {
    const boom = new Error('port in use');
    const { out, run } = harness(async () => {
      throw boom;
    });
    await expect(run()).rejects.toBe(boom);
    expect(out.exits).toEqual([]);
    expect(out.stderr).toBe('');
  });
});
