import * as platformatic from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';

/*
 * patches/@platformatic__kafka@1.35.0.patch stops the package's index from re-exporting its admin and
 * consumer clients, whose modules compile their options' JSON schemas as they load: a compiled detector
 * spent 120 ms of its 240 ms of module loading on them (packages/log/README.md). The Kafka lane uses the
 * connections, the APIs and the producer only. A new version of the package must keep both facts true,
 * or this patch be redone.
 */
describe('the @platformatic/kafka patch', () => {
  it('leaves out the admin and consumer clients', () => {
    expect('Admin' in platformatic).toBe(false);
    expect('Consumer' in platformatic).toBe(false);
  });

  it('keeps everything the Kafka lane and its tests use', () => {
    for (const name of [
      'ConnectionPool',
      'createAPI',
      'ProduceAcks',
      'Producer',
      'produceV9',
      'Writer',
      'Reader',
      'jsCRC32C',
      'readRecordsBatch',
    ]) {
      expect(platformatic, name).toHaveProperty(name);
    }
  });
});
