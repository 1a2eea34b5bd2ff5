import { readdirSync, readFileSync } from 'node:fs';

/** This process's CPU time in ms (user + system). */
export function clientCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The pid of the clickhouse-server on this machine, or null when it is not local (or there is no /proc). */
export const serverPid: string | null = (() => {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('clickhouse-serv')) return pid;
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
})();

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** The local clickhouse-server's CPU time in ms (utime + stime), or null when it is not local. */
export function serverCpuMs(): number | null {
  if (serverPid === null) return null;
  try {
    const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}
