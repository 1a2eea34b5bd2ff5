/**
 * DESIGN.md: logs carry event, learner and session ids, never tokens. Checked three ways: the shared
 * logger redacts every place a token travels in; the places that write to stderr on bad input (a raw
 * token in the configuration, a malformed --platform-token) do not echo the secret; and no log or
 * console call in production code passes a token-named value.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '@hourglass/cli';
import { ConfigError, createLogger, hashToken, parseConfig } from '@hourglass/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';

const SECRET = 'hg-s3cr3t-token-value-7f2c';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('tokens are never logged', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('the logger redacts tokens in headers, token fields, token lists and nested config entries', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', name: 'tokens-test', destination });
    log.info({ token: SECRET }, 'a');
    log.info({ tokens: [SECRET] }, 'b');
    log.info({ authorization: `Bearer ${SECRET}` }, 'c');
    log.info({ req: { headers: { authorization: `Bearer ${SECRET}`, cookie: SECRET } } }, 'd');
    log.info({ platform: { id: 'p1', tokens: [SECRET] } }, 'e');
    log.info({ config: { platform: { token: SECRET } } }, 'f');
    log.info({ headers: { authorization: `Bearer ${SECRET}` } }, 'g');
    log.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(line).not.toContain(SECRET);
  });

  it('a raw token where the configuration wants its hash is reported without the token', () => {
    const config = {
      platforms: [{ id: 'p1', name: 'P1', tokens: [SECRET] }],
      users: [{ name: 'ops', role: 'admin', tokens: [hashToken('u1')] }],
    };
    let message = '';
    try {
      parseConfig(config);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as ConfigError).message;
    }
    expect(message).toContain('platforms[0].tokens[0]');
    expect(message).not.toContain(SECRET);
  });

  it.each([
    [SECRET, 'a token without its platform id'],
    [`=${SECRET}`, 'an empty platform id'],
  ])('hourglass simulate --platform-token %s (%s) exits 2 without echoing the token', async (value) => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const code = await runCli(['simulate', '--platform-token', value]);
    expect(code).toBe(2);
    expect(stderr).toContain('--platform-token');
    expect(stderr).not.toContain(SECRET);
  });

  it('no log, console or stderr call in production code passes a token-named value', () => {
    const ROOT = join(import.meta.dirname, '..');
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const path = posix.join(dir, e.name);
        if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'testing' ? [] : walk(path);
        return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
      });
    const files = ['packages', 'services'].flatMap((top) =>
      readdirSync(join(ROOT, top)).flatMap((unit) => walk(`${top}/${unit}/src`)),
    );
    expect(files.length).toBeGreaterThan(50);
    const call =
      /\b(?:log|logger|console|\w+\.log|request\.log|app\.log|process\.stderr|process\.stdout|out)\.(?:info|warn|error|debug|trace|fatal|log|write)\(/g;
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(call)) {
        // The call's arguments up to the matching parenthesis.
        let depth = 0;
        let end = m.index + m[0].length - 1;
        for (; end < text.length; end++) {
          if (text[end] === '(') depth++;
          else if (text[end] === ')' && --depth === 0) break;
        }
        const args = text.slice(m.index + m[0].length, end);
        // Identifiers only: the words of messages and help texts ("id=token") are not values.
        const code = args
          .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
          .replace(/`(?:[^`$\\]|\\.)*(?=`|\$\{)/g, '`');
        const names = (code.match(/[A-Za-z_$][\w$]*/g) ?? []).filter(
          (n) => /token/i.test(n) && !/^hashToken$|Hash(es)?$|^tokenHash/.test(n),
        );
        if (names.length > 0) {
          found.push(`${file}:${text.slice(0, m.index).split('\n').length} ${names.join(',')}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
