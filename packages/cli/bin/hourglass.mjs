#!/usr/bin/env -S node --max-semi-space-size=32
// A 32 MiB young generation: the services allocate many short-lived objects per event (parsed JSON, output
// records), and V8's 16 MiB default promotes and scavenges them at nearly twice the GC cost (measured: GC
// 18% -> 9% of the detector's CPU at 64 MiB). 64 MiB bought the detector 5-10 % more events/s but cost
// every process 64 MB more resident memory (ingest 281 -> 237 MB, aggregator ~486 -> ~457 MB at 32), and
// those have memory budgets of 300 and 500 MB. pnpm's bin shim copies the flag from this line.
// The workspace bin. Sources are TypeScript; tsx's loader compiles them on import. For production,
// `pnpm build` writes the same program as one compiled file (README, "Running compiled").
import { register } from 'tsx/esm/api';

register();
await import('../src/bin.ts');
