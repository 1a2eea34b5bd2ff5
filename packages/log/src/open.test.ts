import { describe, expect, it } from 'vitest';
import { openLog } from './open';

describe('openLog', () => {
  it('is Kafka when brokers are named and the embedded log otherwise', async () => {
    const kafka = openLog({ brokers: ['127.0.0.1:9092'], clientId: 'open-test' });
    const embedded = openLog({ clientId: 'open-test' });
    expect([kafka.kind, embedded.kind, openLog({ brokers: [], clientId: 'x' }).kind]).toEqual([
      'kafka',
      'embedded',
      'embedded',
    ]);
    await Promise.all([kafka.close(), embedded.close()]);
  });
});
