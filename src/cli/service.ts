/**
 * `hanode service install`: the systemd unit that runs `hanode run` from this directory at boot
 * and restarts it when it dies. Printed by default; `--write` puts it in /etc/systemd/system.
 * `hanode service uninstall` takes it away again.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { packagePath } from '../core/package-root.js';
import { loadConfig } from '../config/config.js';

export const UNIT_NAME = 'hanode.service';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;

export interface UnitOptions {
  /** The account the agent runs as. */
  user: string;
  /** Where `hanode run` starts: hanode.yaml, schemes/ and data/ are looked up from here. */
  workingDirectory: string;
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of bin/hanode.js. */
  bin: string;
  /** A config file to pass as `-c`, absolute. */
  config?: string;
  /** The directories the agent writes: its data directory and its schemes directory (scheme/put). */
  writable?: string[];
  /** Hardware groups to run with, of gpio, i2c, spi and dialout: those that exist on this machine. */
  groups?: string[];
}

/** The groups that open the Pi's devices: GPIO, I2C, SPI, and serial ports. */
export const HARDWARE_GROUPS = ['gpio', 'i2c', 'spi', 'dialout'] as const;

/**
 * Node flags for a long-running agent on a small Pi. The young generation is capped at 16 MiB per
 * semi-space: it grows only as fast as garbage comes, so an agent with 50 schemes read every
 * second stays as small as at 4 MiB (66 MiB both, side by side), while one that reads a thousand
 * sensors at the top of each second fits that whole burst in the young generation: at 4 MiB a
 * collection in the middle of the burst moved everything still in flight to the old generation,
 * and the agent used a third more CPU. (V8 picks 16 MiB by itself on a machine with a few GB of
 * memory, and much less on a 512 MB Pi Zero 2: the flag makes the two behave alike.)
 * V8's pool of background threads (concurrent marking and sweeping, compiling) has one thread per
 * core by default, and each keeps memory of its own: one thread left the idle agent 3-6 MiB
 * smaller at the same CPU. `npm start` and bin/hanode.js's shebang pass the same flags (a test
 * keeps the three in step).
 */
export const NODE_FLAGS = ['--max-semi-space-size=16', '--v8-pool-size=1'];

/** systemd splits ExecStart on spaces; quote what has any. */
const arg = (s: string) => (/[\s"\\]/.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s);

/**
 * The unit. The hardening keeps the hardware working: no PrivateDevices (the agent opens
 * /dev/gpiochip*, /dev/i2c-*, /dev/spidev*, serial ports), and /sys stays writable where the GPIO
 * and PWM sysfs files live (ProtectKernelTunables makes /sys read-only; the ReadWritePaths under
 * /sys undo that for those, and /proc/sys stays read-only).
 */
export function systemdUnit(o: UnitOptions): string {
  const exec = [o.node, ...NODE_FLAGS, o.bin, 'run', ...(o.config ? ['-c', o.config] : [])].map(arg).join(' ');
  // '-': a directory that does not exist yet is skipped rather than failing the start.
  const writable = [...new Set(o.writable ?? [])].map((d) => arg(`-${d}`));
  const groups = o.groups?.length ? `SupplementaryGroups=${o.groups.join(' ')}\n` : '';
  return `[Unit]
Description=hanode: Raspberry Pi hardware over MQTT
Wants=network-online.target
# Ordered after a local Mosquitto, if there is one: started first, hanode would take port 1883
# with its embedded broker and Mosquitto would then fail to start.
After=network-online.target mosquitto.service

[Service]
Type=simple
User=${o.user}
${groups}WorkingDirectory=${o.workingDirectory}
ExecStart=${exec}
# Any exit restarts it, including code 75 after \`$request/restart\`.
Restart=always
RestartSec=5
# SIGTERM makes hanode publish 'offline' and stop its drivers; give it time to.
TimeoutStopSec=15
# Without a TTY, hanode logs JSON lines: journalctl -u hanode -o cat | npx pino-pretty
# Hardening: the system and home directories are read-only but for the data and schemes directories.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
${writable.length ? `ReadWritePaths=${writable.join(' ')}\n` : ''}PrivateTmp=yes
ProtectKernelTunables=yes
ReadWritePaths=-/sys/class/gpio -/sys/class/pwm -/sys/devices
ProtectControlGroups=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RestrictRealtime=yes

[Install]
WantedBy=multi-user.target
`;
}

export interface ServiceInstallOptions {
  write?: boolean;
  force?: boolean;
  user?: string;
  config?: string;
}

export interface ServiceEnvironment {
  cwd: string;
  /** Whether the process may write under /etc. */
  isRoot: boolean;
  /** Where to write the unit (tests point it elsewhere). */
  unitPath: string;
  /** Who should own the service when none is named: the sudo caller, else the current user. */
  defaultUser: string;
  out: (s: string) => void;
  err: (s: string) => void;
  /** The groups that exist on this machine (from /etc/group). */
  groups?: () => Promise<string[]>;
  /** Runs systemctl (tests record the calls instead). */
  systemctl?: (args: string[]) => Promise<{ code: number; output: string }>;
}

/** The group names in an /etc/group text. */
export function groupNames(text: string): string[] {
  return text.split('\n').map((l) => l.split(':')[0]!.trim()).filter((n) => n && !n.startsWith('#'));
}

async function systemGroups(): Promise<string[]> {
  return groupNames(await readFile('/etc/group', 'utf8').catch(() => ''));
}

export function runSystemctl(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    execFile('systemctl', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolvePromise({ code, output: `${stdout}${stderr}`.trim() || (err && code === 1 ? err.message : '') });
    });
  });
}

function defaultEnvironment(): ServiceEnvironment {
  const me = userInfo().username;
  return {
    cwd: process.cwd(),
    isRoot: process.getuid?.() === 0,
    unitPath: UNIT_PATH,
    // Under sudo the unit is for the person who typed it, not for root.
    defaultUser: process.env.SUDO_USER || me,
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    groups: systemGroups,
    systemctl: runSystemctl,
  };
}

const BIN = () => packagePath('bin/hanode.js');

/** The unit `service install` would write from `cwd` with these options. */
export async function unitFor(opts: ServiceInstallOptions, env: Pick<ServiceEnvironment, 'cwd' | 'defaultUser' | 'groups'>): Promise<{ unit: string; writable: string[] }> {
  const config = opts.config ? resolve(env.cwd, opts.config) : undefined;
  // The directories the agent writes, as `hanode run` from here would resolve them (no environment: a service has none).
  const loaded = await loadConfig({ config }, {}, env.cwd);
  const existing = new Set(await (env.groups ?? systemGroups)());
  const writable = [loaded.data, loaded.schemes];
  const unit = systemdUnit({
    user: opts.user ?? env.defaultUser,
    workingDirectory: env.cwd,
    node: process.execPath,
    bin: BIN(),
    config,
    writable,
    groups: HARDWARE_GROUPS.filter((g) => existing.has(g)),
  });
  return { unit, writable };
}

/** Prints the unit, or writes it with `--write`; returns the exit code. */
export async function serviceInstall(opts: ServiceInstallOptions, env: ServiceEnvironment = defaultEnvironment()): Promise<number> {
  const config = opts.config ? resolve(env.cwd, opts.config) : undefined;
  if (config && !existsSync(config)) {
    env.err(`${config}: config file not found\n`);
    return 1;
  }
  const { unit, writable } = await unitFor(opts, env);
  // Under ProtectSystem/ProtectHome the service cannot create them itself.
  const missing = writable.filter((d) => !existsSync(d));
  if (!opts.write) {
    env.out(unit);
    if (missing.length) env.err(`# create ${missing.join(' and ')} first (mkdir -p), as the service's user: the unit lets hanode write only there\n`);
    env.err(`# save it as ${env.unitPath} (or run: sudo npx hanode service install --write), then: sudo systemctl daemon-reload && sudo systemctl enable --now hanode\n`);
    return 0;
  }
  if (!env.isRoot) {
    env.err(
      `writing ${env.unitPath} needs root. Run: sudo "$(command -v node)" ${BIN()} service install --write` +
        ` (sudo keeps you as the service's user), or print the unit with 'hanode service install' and copy it there yourself.\n`,
    );
    return 1;
  }
  const existing = existsSync(env.unitPath) ? await readFile(env.unitPath, 'utf8') : undefined;
  if (existing === unit) {
    env.err(`${env.unitPath} is already up to date\n`);
    return 0;
  }
  if (existing !== undefined && !opts.force) {
    env.err(`${env.unitPath} exists and differs; not overwriting it. Use --force to replace it, or print the new unit and compare.\n`);
    return 1;
  }
  // Owned like the working directory, which is the service user's.
  const owner = await stat(env.cwd);
  for (const dir of missing) {
    await mkdir(dir, { recursive: true });
    await chown(dir, owner.uid, owner.gid).catch(() => {});
    env.err(`created ${dir}\n`);
  }
  await writeFile(env.unitPath, unit, { mode: 0o644 });
  env.err(`wrote ${env.unitPath}. Now: systemctl daemon-reload && systemctl enable --now hanode; logs: journalctl -u hanode -f\n`);
  return 0;
}

export interface ServiceUninstallOptions {
  dryRun?: boolean;
}

/**
 * `hanode service uninstall`: stop and disable the service, remove the unit, reload systemd.
 * Idempotent: what is already gone is skipped, and a second run does nothing. `--dry-run` prints
 * the steps without doing them (and without root).
 */
export async function serviceUninstall(opts: ServiceUninstallOptions, env: ServiceEnvironment = defaultEnvironment()): Promise<number> {
  const systemctl = env.systemctl ?? runSystemctl;
  const present = existsSync(env.unitPath);
  const steps: { say: string; run: () => Promise<void> }[] = [];
  const ctl = (args: string[], tolerate = false) => ({
    say: `systemctl ${args.join(' ')}`,
    run: async () => {
      const r = await systemctl(args);
      if (r.code !== 0 && !tolerate) throw new Error(`systemctl ${args.join(' ')} failed (exit ${r.code}): ${r.output}`);
    },
  });
  if (!present) {
    env.err(`${env.unitPath} does not exist; hanode is not installed as a service, nothing to do\n`);
    return 0;
  }
  // stop and disable fail harmlessly for a unit that is loaded but not running or enabled.
  steps.push(ctl(['stop', UNIT_NAME], true), ctl(['disable', UNIT_NAME], true));
  steps.push({ say: `rm ${env.unitPath}`, run: () => rm(env.unitPath, { force: true }) });
  steps.push(ctl(['daemon-reload']), ctl(['reset-failed', UNIT_NAME], true));
  if (opts.dryRun) {
    env.out(steps.map((s) => `${s.say}\n`).join(''));
    env.err('# --dry-run: nothing was done\n');
    return 0;
  }
  if (!env.isRoot) {
    env.err(`removing ${env.unitPath} needs root. Run: sudo "$(command -v node)" ${BIN()} service uninstall (or --dry-run to see the steps)\n`);
    return 1;
  }
  for (const step of steps) {
    env.err(`${step.say}\n`);
    try {
      await step.run();
    } catch (err) {
      env.err(`${(err as Error).message}\n`);
      return 1;
    }
  }
  env.err(`hanode's service is removed; its data and schemes directories are left as they are\n`);
  return 0;
}
