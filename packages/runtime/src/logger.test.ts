import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes JSON with the name and redacts credentials', () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const log = createLogger({ level: 'info', name: 'ingest', destination });
    log.info(
      { token: 't1', user: { tokens: ['t2'] }, req: { headers: { authorization: 'Bearer t3' } } },
      'hello',
    );
    log.info({ authorization: 'Bearer t4', deep: { inner: { token: 't5' } } }, 'again');
    log.debug({ x: 1 }, 'hidden');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ name: 'ingest', level: 'info', msg: 'hello', token: '[redacted]' });
    expect(typeof lines[0]?.time).toBe('string');
    for (const secret of ['t1', 't2', 't3', 't4', 't5']) expect(out).not.toContain(`"${secret}`);
    expect(out).not.toContain('Bearer');
  });

  it('redacts cookies and the arguments of a failed Redis command (ioredis attaches AUTH with the password)', () => {
    let out = '';
    const destination = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const log = createLogger({ level: 'info', name: 't', destination });
    log.info({ request: { headers: { authorization: 'Bearer tok-A', cookie: 'sid=cookie-secret-B' } } }, 'x');
    const err = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
      command: { name: 'auth', args: ['rvuser', 'S3cretPW'] },
    });
    log.warn({ err }, 'redis connection error');
    expect(out).toContain('WRONGPASS');
    for (const secret of ['tok-A', 'cookie-secret-B', 'S3cretPW']) expect(out).not.toContain(secret);
  });
});
