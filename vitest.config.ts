import { defineConfig } from 'vitest/config';

// One runner for the whole monorepo. Integration tests talk to the real servers started by
// deploy/local/services.sh; they share the machine's two cores, so files run with limited parallelism.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
