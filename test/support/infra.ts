import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const SCRIPT = join(resolve(import.meta.dirname, '..', '..'), 'deploy', 'local', 'services.sh');

/** Stops, starts or SIGKILLs one of the local servers (fault tests only; they run one file at a time). */
export function serviceCtl(
  action: 'stop' | 'start' | 'kill',
  service: 'kafka' | 'redis' | 'clickhouse',
): void {
  execFileSync('bash', [SCRIPT, action, service], { stdio: 'pipe', timeout: 180_000 });
}
