import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { keyLayout } from './keys';

// The README's upgrade step gives the previous release's learner keys the 22-day expiry with
// `redis-cli --scan --pattern '<glob>'`. A glob that matches no learner key does nothing and says nothing,
// so it must match the keys the services write: `hourglass start` (packages/cli/src/adapters.ts) and the
// detector (services/detector/src/main.ts) open this store with the key prefix `hg:` followed by
// KAFKA_TOPIC_PREFIX, `hourglass.` by default (SPEC §6).
const SERVICES_DEFAULT_KEY_PREFIX = 'hg:hourglass.';

function redisGlob(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

describe("README's upgrade step", () => {
  it('the redis-cli --scan pattern matches a learner key of the default configuration, and no other key', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const pattern = /redis-cli --scan --pattern '([^']+)'/.exec(readme)?.[1];
    expect(pattern).toBeDefined();
    const glob = redisGlob(pattern as string);
    const keys = keyLayout(SERVICES_DEFAULT_KEY_PREFIX);
    expect(keys.learner('L1')).toBe('hg:hourglass.l:{L1}');
    expect(glob.test(keys.learner('L1'))).toBe(true);
    expect(glob.test(keys.device('D1'))).toBe(false);
    expect(glob.test(keys.partitionEpoch('hourglass.events.v1/0'))).toBe(false);
  });
});
