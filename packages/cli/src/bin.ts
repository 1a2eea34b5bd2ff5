import { runCli } from './run-cli';

// The `hourglass` process: bin/hourglass.mjs imports this through tsx, the bundle (scripts/bundle.ts)
// starts here.
const code = await runCli(process.argv.slice(2));
// A command that failed may have left clients connected (a Kafka producer, consumers in their groups)
// that would keep the process alive without a port: end it with its code, so a supervisor restarts it.
if (code !== 0) process.exit(code);
