import { serverCpuSeconds } from '../../../bench/machine';

/** This process's CPU time in ms (user + system). */
export function clientCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time in ms of the ClickHouse server deploy/local/services.sh started (its pid file), or null
 * when there is none (another server, or no /proc).
 */
export function serverCpuMs(): number | null {
  const seconds = serverCpuSeconds(['clickhouse']).clickhouse;
  return seconds === undefined ? null : seconds * 1000;
}
