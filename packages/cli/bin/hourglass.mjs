#!/usr/bin/env node
// The workspace bin. Sources are TypeScript; tsx's loader compiles them on import.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/index.ts');
process.exitCode = await runCli(process.argv.slice(2));
