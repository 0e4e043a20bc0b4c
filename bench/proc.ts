/** What /proc says about a process: CPU time, and the pid of a private Mosquitto. */
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Samples a process's CPU time now; `percent()` later gives % of one core over the elapsed wall time. */
export function cpuMeter(pid: number): { percent(): number } {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return { percent: () => (100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000) };
}

/** The pid of the mosquitto whose config file says `listener PORT` (the private broker of a bench). */
export function mosquittoPid(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('mosquitto')) continue;
      const conf = argv[argv.indexOf('-c') + 1];
      if (conf && new RegExp(`^listener ${port}\\b`, 'm').test(readFileSync(conf, 'utf8'))) return Number(entry);
    } catch {
      // a process that ended meanwhile, or one we may not read
    }
  }
  return undefined;
}
