/**
 * `hanode doctor` (README "Running on a Pi"): one line per check, `ok`, `warn` or `fail`, each
 * warn and fail with its fix; exit 1 on any fail, else 0. See doctor-checks.ts for the checks.
 */
import { execFile } from 'node:child_process';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadConfig, ConfigError } from '../config/config.js';
import { registryFor } from './registry.js';
import { UNIT_NAME } from './service.js';
import { busesInUse, checkBroker, checkClock, checkData, checkGroups, checkInterfaces, checkNode, checkSchemes, checkService, type Check, type DoctorEnvironment } from './doctor-checks.js';

export type { Check, DoctorEnvironment };

export interface DoctorOptions {
  config?: string;
  mqtt?: string;
  /** The account to check; default: the installed service's User=, else the sudo caller or the current user. */
  user?: string;
  /** Read /etc, /dev, /sys, /boot and /run under this directory (a copied tree). */
  root?: string;
  json?: boolean;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: 5_000 }, (err, stdout) => {
      if (!err) return done({ code: 0, stdout });
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      done({ code, stdout });
    });
  });
}

/** The User= of the installed unit, if there is one. */
async function serviceUser(root: string): Promise<string | undefined> {
  const text = await readFile(join(root, 'etc/systemd/system', UNIT_NAME), 'utf8').catch(() => '');
  return /^User=(.+)$/m.exec(text)?.[1]?.trim();
}

export async function defaultDoctorEnvironment(opts: DoctorOptions): Promise<DoctorEnvironment> {
  const root = resolve(opts.root ?? '/');
  return {
    root,
    cwd: process.cwd(),
    user: opts.user ?? (await serviceUser(root)) ?? (process.env.SUDO_USER || userInfo().username),
    nodeVersion: process.version,
    hostname: hostname(),
    run,
    brokerTimeoutMs: 3_000,
  };
}

/** Runs every check; a check that throws is a fail that says so, never the end of the run. */
export async function doctor(opts: DoctorOptions, env: DoctorEnvironment): Promise<Check[]> {
  const checks: Check[] = [];
  const guard = async (name: string, fn: () => Promise<Check | Check[]>) => {
    try {
      const r = await fn();
      checks.push(...(Array.isArray(r) ? r : [r]));
    } catch (err) {
      checks.push({ name, level: 'fail', message: `the check itself failed: ${(err as Error).message}`, fix: 'report this with the output of hanode doctor' });
    }
  };
  await guard('node', () => checkNode(env));
  await guard('groups', () => checkGroups(env));
  let config;
  try {
    config = await loadConfig({ config: opts.config, mqtt: opts.mqtt }, {}, env.cwd);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    checks.push({ name: 'config', level: 'fail', message: err.problems.slice(0, 3).join('; '), fix: 'correct hanode.yaml at the places named' });
  }
  if (config) {
    const c = config;
    checks.push({ name: 'config', level: 'ok', message: c.file ? `${c.file} is valid (node '${c.node.id}')` : `no hanode.yaml here; the defaults (node '${c.node.id}')` });
    const { registry } = await registryFor(c);
    await guard('interfaces', async () => checkInterfaces(env, await busesInUse(c, registry)));
    await guard('broker', () => checkBroker(c, env));
    await guard('data', () => checkData(c));
    await guard('schemes', () => checkSchemes(c, registry));
  } else {
    await guard('interfaces', () => checkInterfaces(env));
  }
  await guard('clock', () => checkClock(env));
  await guard('service', () => checkService(env));
  return checks;
}

/** `ok    broker   mqtt://hub:1883 reachable as pi`; warn and fail lines end with `; fix: …`. */
export function describeChecks(checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => `${c.level.padEnd(4)}  ${c.name.padEnd(width)}  ${c.message}${c.fix && c.level !== 'ok' ? `; fix: ${c.fix}` : ''}\n`).join('');
}

/** Prints the checks; 1 on any fail, else 0. */
export async function doctorCommand(opts: DoctorOptions, env?: DoctorEnvironment, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const checks = await doctor(opts, env ?? (await defaultDoctorEnvironment(opts)));
  out(opts.json ? JSON.stringify({ checks }, null, 2) + '\n' : describeChecks(checks));
  return checks.some((c) => c.level === 'fail') ? 1 : 0;
}
