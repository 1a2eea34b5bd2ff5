#!/usr/bin/env -S node --max-semi-space-size=64
// A 64 MiB young generation: the services allocate many short-lived objects per event (parsed JSON, output
// records), and V8's 16 MiB default promotes and scavenges them at twice the GC cost (measured: GC 18% -> 9%
// of the detector's CPU). pnpm's bin shim copies the flag from this line.
// The workspace bin. Sources are TypeScript; tsx's loader compiles them on import.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/index.ts');
process.exitCode = await runCli(process.argv.slice(2));
