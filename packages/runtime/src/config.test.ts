import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config';
import { DEMO_TOKENS, developmentConfig } from './dev-config';
import { ConfigError } from './errors';
import { hashToken } from './hash';
import { POLICY_DEFAULTS, POLICY_KEYS, resolvePolicy } from './policy';

const H = (t: string) => hashToken(t);

function valid() {
  return {
    timezone: 'Asia/Shanghai',
    policy: { idleTimeoutSec: 300 },
    platforms: [
      {
        id: 'cvto',
        name: 'China Vocational Training Online',
        tokens: [H('p1')],
        policy: { maxDelaySec: 180 },
        rateLimitPerSec: 5000,
      },
      { id: 'skillup', name: 'SkillUp', tokens: [H('p2')] },
    ],
    users: [
      { name: 'wang.li', role: 'supervisor', platforms: ['cvto'], tokens: [H('u1')] },
      { name: 'stats', role: 'statistician', tokens: [H('u2')] },
      { name: 'ops', role: 'admin', tokens: [H('u3')] },
    ],
  } as Record<string, unknown> & { platforms: Record<string, unknown>[]; users: Record<string, unknown>[] };
}

function problemOf(json: unknown): string {
  try {
    parseConfig(json);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('config_invalid');
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the SPEC §6 example and applies defaults', () => {
    const c = parseConfig(valid());
    expect(c.timezone).toBe('Asia/Shanghai');
    expect(c.ingest.maxBodyBytes).toBe(1024 * 1024);
    expect(c.platforms[0]?.rateLimitPerSec).toBe(5000);
    expect(c.platforms[0]?.policy).toEqual({ maxDelaySec: 180 });
    const bare = parseConfig({ platforms: [], users: [] });
    expect(bare.timezone).toBe('Asia/Shanghai');
    expect(bare.policy).toEqual({});
  });

  it('normalizes upper-case hex in token hashes', () => {
    const c = valid();
    c.platforms[1]!.tokens = [H('p2').toUpperCase().replace('SHA256:', 'sha256:')];
    expect(parseConfig(c).platforms[1]?.tokens[0]).toBe(H('p2'));
  });

  it('reads classHourMinutes and ingest.maxBodyBytes', () => {
    const c = parseConfig({ ...valid(), classHourMinutes: 45, ingest: { maxBodyBytes: 2048 } });
    expect(c.classHourMinutes).toBe(45);
    expect(c.ingest.maxBodyBytes).toBe(2048);
  });

  it('ingest.maxInFlightBodyBytes is 64 MiB unless set, and at least 1024', () => {
    expect(parseConfig(valid()).ingest.maxInFlightBodyBytes).toBe(64 * 1024 * 1024);
    expect(parseConfig({ ...valid(), ingest: { maxBodyBytes: 2048 } }).ingest.maxInFlightBodyBytes).toBe(
      64 * 1024 * 1024,
    );
    expect(parseConfig({ ...valid(), ingest: { maxInFlightBodyBytes: 4096 } }).ingest).toEqual({
      maxBodyBytes: 1024 * 1024,
      maxInFlightBodyBytes: 4096,
    });
    expect(problemOf({ ...valid(), ingest: { maxInFlightBodyBytes: 100 } })).toMatch(
      /ingest\.maxInFlightBodyBytes/,
    );
  });

  it('rejects unknown top-level keys', () => {
    expect(problemOf({ ...valid(), extra: 1 })).toMatch(/\(top level\): unknown key "extra"/);
  });

  it('rejects unknown keys in a platform', () => {
    const c = valid();
    c.platforms[0]!.rateLimit = 5;
    expect(problemOf(c)).toMatch(/platforms\[0\]: unknown key "rateLimit"/);
  });

  it('rejects unknown policy keys, globally and per platform', () => {
    expect(problemOf({ ...valid(), policy: { idleTimeout: 300 } })).toMatch(
      /policy: unknown policy key "idleTimeout"/,
    );
    const c = valid();
    c.platforms[1]!.policy = { maxDelay: 1 };
    expect(problemOf(c)).toMatch(/platforms\[1\]\.policy: unknown policy key "maxDelay"/);
  });

  it('rejects bad policy values', () => {
    expect(problemOf({ ...valid(), policy: { deviceShareLimit: 0 } })).toMatch(/policy\.deviceShareLimit/);
    expect(problemOf({ ...valid(), policy: { idleTimeoutSec: '300' } })).toMatch(/policy\.idleTimeoutSec/);
  });

  it('rejects duplicate platform ids', () => {
    const c = valid();
    c.platforms[1]!.id = 'cvto';
    expect(problemOf(c)).toMatch(/platforms\[1\]\.id: duplicate platform id "cvto" \(also platforms\[0\]\)/);
  });

  it('rejects duplicate user names', () => {
    const c = valid();
    c.users[2]!.name = 'stats';
    expect(problemOf(c)).toMatch(/users\[2\]\.name: duplicate user name "stats" \(also users\[1\]\)/);
  });

  it('rejects a token hash shared by two principals', () => {
    const c = valid();
    c.users[1]!.tokens = [H('p1')];
    expect(problemOf(c)).toMatch(/users\[1\]\.tokens\[0\]: token hash is also used by platform "cvto"/);
  });

  it('rejects a token hash listed twice for one principal', () => {
    const c = valid();
    c.platforms[0]!.tokens = [H('p1'), H('p1')];
    expect(problemOf(c)).toMatch(/platforms\[0\]\.tokens\[1\]: token hash is also used by platform "cvto"/);
  });

  it.each([
    ['a raw token', 'demo-platform-cvto'],
    ['a short hash', `sha256:${'a'.repeat(63)}`],
    ['a non-hex hash', `sha256:${'g'.repeat(64)}`],
    ['another algorithm', `sha1:${'a'.repeat(64)}`],
  ])('rejects %s as a token hash', (_what, token) => {
    const c = valid();
    c.platforms[0]!.tokens = [token];
    expect(problemOf(c)).toMatch(
      /platforms\[0\]\.tokens\[0\]: must be "sha256:" followed by the 64 hex digits/,
    );
  });

  it('rejects a supervisor scope naming an unknown platform', () => {
    const c = valid();
    c.users[0]!.platforms = ['cvto', 'nope'];
    expect(problemOf(c)).toMatch(/users\[0\]\.platforms\[1\]: unknown platform "nope"/);
  });

  it('rejects a supervisor without a scope, and a scope on other roles', () => {
    const c = valid();
    delete c.users[0]!.platforms;
    c.users[1]!.platforms = ['cvto'];
    const msg = problemOf(c);
    expect(msg).toMatch(/users\[0\]\.platforms: a supervisor needs a platform scope/);
    expect(msg).toMatch(/users\[1\]\.platforms: only supervisors have a platform scope/);
  });

  it('accepts ["*"] as a supervisor scope but not "*" among others', () => {
    const c = valid();
    c.users[0]!.platforms = ['*'];
    expect(parseConfig(c).users[0]?.platforms).toEqual(['*']);
    c.users[0]!.platforms = ['*', 'cvto'];
    expect(problemOf(c)).toMatch(/users\[0\]\.platforms\[0\]: "\*" must be the only entry/);
  });

  it('rejects unknown roles and bad platform ids', () => {
    const c = valid();
    c.users[1]!.role = 'viewer';
    c.platforms[0]!.id = 'CVTO';
    const msg = problemOf(c);
    expect(msg).toMatch(/users\[1\]\.role/);
    expect(msg).toMatch(/platforms\[0\]\.id: must match/);
  });

  it('rejects an invalid time zone', () => {
    expect(problemOf({ ...valid(), timezone: 'Mars/Olympus' })).toMatch(
      /timezone: must be an IANA time zone/,
    );
    expect(problemOf({ ...valid(), timezone: '+08:00' })).toMatch(/timezone/);
    expect(parseConfig({ ...valid(), timezone: 'UTC' }).timezone).toBe('UTC');
    expect(parseConfig({ ...valid(), timezone: 'Europe/Berlin' }).timezone).toBe('Europe/Berlin');
  });

  it('rejects a configuration that is not an object, or lacks platforms and users', () => {
    expect(problemOf([])).toMatch(/\(top level\)/);
    expect(problemOf({})).toMatch(/platforms/);
  });

  it('lists every problem, not only the first', () => {
    const c = valid();
    c.platforms[1]!.id = 'cvto';
    c.users[2]!.name = 'stats';
    const err = (() => {
      try {
        parseConfig(c);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected error');
    })();
    expect(err.problems).toHaveLength(2);
  });

  it('lists the rules across entries too when an entry is also malformed (one start-up names every problem)', () => {
    const c = valid();
    c.policy = { idleTimeout: 3 }; // a misspelt policy key: the schema refuses it
    c.platforms[1]!.id = 'cvto'; // a duplicate platform id
    c.users[1]!.platforms = ['cvto']; // a scope on a statistician
    c.users[0]!.platforms = ['nope']; // a supervisor scope naming an unknown platform
    c.users[2]!.tokens = [H('p1')]; // a token shared with platform cvto
    const err = (() => {
      try {
        parseConfig(c);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected error');
    })();
    expect(err.problems).toEqual([
      'policy: unknown policy key "idleTimeout"',
      'platforms[1].id: duplicate platform id "cvto" (also platforms[0])',
      'users[0].platforms[0]: unknown platform "nope"',
      'users[1].platforms: only supervisors have a platform scope (role "statistician" sees all)',
      'users[2].tokens[0]: token hash is also used by platform "cvto"; every principal needs its own token',
    ]);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-config-'));

  it('reads and validates a file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify(valid()));
    expect(loadConfig(path).platforms.map((p) => p.id)).toEqual(['cvto', 'skillup']);
  });

  it('names the file when the JSON does not parse', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{ "platforms": [ }');
    expect(() => loadConfig(path)).toThrow(`configuration file ${path} is not valid JSON`);
  });

  it('a file that does not parse is named with the line and column, never quoting its text (a raw token there stays unprinted)', () => {
    const raw = join(dir, 'raw-token.json');
    writeFileSync(raw, '{\n  "platforms": [\n    { "tokens": [s3cr3t-raw-token-value] }\n  ]\n}');
    let message = '';
    try {
      loadConfig(raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`configuration file ${raw} is not valid JSON`);
    expect(message).not.toContain('s3cr3t');
    const comma = join(dir, 'comma.json');
    writeFileSync(comma, '{\n  "timezone": "UTC",\n}');
    expect(() => loadConfig(comma)).toThrow(
      `configuration file ${comma} is not valid JSON at line 3, column 1`,
    );
  });

  it('names the file when it breaks a rule', () => {
    const path = join(dir, 'dup.json');
    const c = valid();
    c.platforms[1]!.id = 'cvto';
    writeFileSync(path, JSON.stringify(c));
    expect(() => loadConfig(path)).toThrow(`invalid configuration file ${path}`);
  });

  it('reports a missing file', () => {
    try {
      loadConfig(join(dir, 'missing.json'));
      throw new Error('expected error');
    } catch (err) {
      expect((err as ConfigError).code).toBe('config_unreadable');
      expect((err as Error).message).toMatch(/cannot read configuration file/);
    }
  });

  it('without a path gives the development configuration', () => {
    expect(loadConfig()).toEqual(developmentConfig());
  });
});

describe('developmentConfig', () => {
  it('is itself a valid configuration with 3+ demo platforms and every role', () => {
    const c = parseConfig(developmentConfig());
    expect(c.platforms.map((p) => p.id)).toEqual(['cvto', 'skillup', 'gongjiang']);
    expect(new Set(c.users.map((u) => u.role))).toEqual(new Set(['supervisor', 'statistician', 'admin']));
  });

  it('holds only hashes of the documented demo tokens', () => {
    const c = developmentConfig();
    expect(c.platforms[0]?.tokens).toEqual([hashToken(DEMO_TOKENS.platforms.cvto)]);
    expect(JSON.stringify(c)).not.toContain('demo-');
  });
});

describe('policy', () => {
  it('has exactly the SPEC §4 keys and defaults', () => {
    expect(POLICY_DEFAULTS).toEqual({
      idleTimeoutSec: 300,
      gapCapFactor: 2,
      maxDelaySec: 120,
      maxPlaybackRate: 2.0,
      seekToleranceSec: 5,
      minQuizSecondsPerQuestion: 3,
      deviceShareLimit: 3,
    });
    expect(POLICY_KEYS).toHaveLength(7);
  });

  it('resolves defaults, then global, then platform overrides', () => {
    expect(resolvePolicy({ maxDelaySec: 10, idleTimeoutSec: 60 }, { maxDelaySec: 180 })).toEqual({
      ...POLICY_DEFAULTS,
      idleTimeoutSec: 60,
      maxDelaySec: 180,
    });
  });
});
