import { createMemoryStateStore } from './memory-store';
import { describeStateStoreContract } from './testing/contract';

describeStateStoreContract('memory', async (limits) => {
  let now = 1_000_000;
  const store = createMemoryStateStore({ ...limits, now: () => now });
  return {
    store,
    advance: async (ms) => {
      now += ms;
    },
    cleanup: () => store.close(),
  };
});
