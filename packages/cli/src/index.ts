export { startAllInOne } from './commands/start';
export { runCli } from './run-cli';
export { generateTraffic, simulate } from './simulate';
