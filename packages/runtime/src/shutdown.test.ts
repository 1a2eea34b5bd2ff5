import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { registerShutdown } from './shutdown';

const logger = createLogger({ level: 'silent', name: 'test' });

describe('registerShutdown', () => {
  it('runs the steps in order on SIGTERM, then exits 0', async () => {
    const emitter = new EventEmitter() as unknown as NodeJS.Process;
    const order: string[] = [];
    const exits: number[] = [];
    const h = registerShutdown({
      logger,
      emitter,
      exit: (c) => exits.push(c),
      steps: [
        { name: 'server', run: async () => void order.push('server') },
        { name: 'producer', run: () => void order.push('producer') },
      ],
    });
    (emitter as unknown as EventEmitter).emit('SIGTERM', 'SIGTERM');
    expect(await h.shutdown('again')).toBe(0);
    expect(order).toEqual(['server', 'producer']);
    expect(exits).toEqual([0]);
    h.dispose();
  });

  it('bounds each step and still runs the later ones; exits 1', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const h = registerShutdown({
      logger,
      emitter: new EventEmitter() as unknown as NodeJS.Process,
      exit: (c) => exits.push(c),
      timeoutMs: 50,
      steps: [
        { name: 'hangs', run: () => new Promise(() => {}) },
        {
          name: 'throws',
          run: () => {
            throw new Error('x');
          },
        },
        { name: 'last', run: () => void order.push('last') },
      ],
    });
    expect(await h.shutdown('test')).toBe(1);
    expect(order).toEqual(['last']);
    expect(exits).toEqual([1]);
  });

  it('exits at once on a second signal', async () => {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    let release = () => {};
    const h = registerShutdown({
      logger,
      emitter: emitter as unknown as NodeJS.Process,
      exit: (c) => exits.push(c),
      steps: [{ name: 'slow', run: () => new Promise<void>((r) => (release = r)) }],
    });
    emitter.emit('SIGINT', 'SIGINT');
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    await new Promise((r) => setImmediate(r));
    release();
    await h.shutdown('x');
    h.dispose();
  });
});
