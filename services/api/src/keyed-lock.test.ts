import { describe, expect, it } from 'vitest';
import { createKeyedLock } from './keyed-lock';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('keyed lock', () => {
  it('serializes one key, in call order, and forgets idle keys', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const a = lock.run('f', async () => {
      order.push('a:start');
      await tick();
      order.push('a:end');
    });
    const b = lock.run('f', async () => {
      order.push('b:start');
      throw new Error('boom');
    });
    const c = lock.run('f', async () => order.push('c'));
    await a;
    await expect(b).rejects.toThrow('boom');
    await c;
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'c']);
    expect(lock.size()).toBe(0);
  });

  it('runs different keys concurrently', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    await Promise.all([
      lock.run('x', async () => {
        order.push('x:start');
        await tick();
        order.push('x:end');
      }),
      lock.run('y', async () => order.push('y')),
    ]);
    expect(order).toEqual(['x:start', 'y', 'x:end']);
  });
});
