import { describe } from 'vitest';
import type { Log } from '../types';
import { controlContract } from './contract-control';
import { deliveryContract } from './contract-delivery';
import { useContractFixture } from './fixture';

export { FAST_CONSUMER, waitFor } from './fixture';

/**
 * The behaviour every log adapter promises. Each test uses its own topic and group, so the suite can run
 * against a shared broker; tests within a suite run one after the other.
 */
export function describeLogContract(name: string, makeLog: () => Log | Promise<Log>): void {
  describe(`log contract: ${name}`, () => {
    const fixture = useContractFixture(makeLog);
    deliveryContract(fixture);
    controlContract(fixture);
  });
}
