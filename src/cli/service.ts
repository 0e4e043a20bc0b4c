/**
 * `hanode service install`: the systemd unit that runs `hanode run` from this directory at boot
 * and restarts it when it dies. Printed by default; `--write` puts it in /etc/systemd/system.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { packagePath } from '../core/package-root.js';

export const UNIT_PATH = '/etc/systemd/system/hanode.service';

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
}

/**
 * Node flags for a long-running agent on a small Pi. V8's young generation grows to 16 MiB per
 * semi-space by default: with 50 schemes that is about 108 MiB of RSS against 84 MiB at 2 MiB and
 * 81 MiB at 1 MiB. Smaller semi-spaces mean more frequent scavenges: at 1,000 readings a second
 * the agent took 60 % of a core by default, 85 % at 2 MiB and 96 % at 1 MiB; a home's few readings
 * a second never notice. 2 MiB is the trade. `npm start` and bin/hanode.js's shebang pass the same
 * flags (a test keeps the three in step).
 */
export const NODE_FLAGS = ['--max-semi-space-size=2'];

/** systemd splits ExecStart on spaces; quote what has any. */
const arg = (s: string) => (/[\s"\\]/.test(s) ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : s);

export function systemdUnit(o: UnitOptions): string {
  const exec = [o.node, ...NODE_FLAGS, o.bin, 'run', ...(o.config ? ['-c', o.config] : [])].map(arg).join(' ');
  return `[Unit]
Description=hanode: Raspberry Pi hardware over MQTT
Wants=network-online.target
# Ordered after a local Mosquitto, if there is one: started first, hanode would take port 1883
# with its embedded broker and Mosquitto would then fail to start.
After=network-online.target mosquitto.service

[Service]
Type=simple
User=${o.user}
WorkingDirectory=${o.workingDirectory}
ExecStart=${exec}
Restart=always
RestartSec=5
# SIGTERM makes hanode publish 'offline' and stop its drivers; give it time to.
TimeoutStopSec=15
# Without a TTY, hanode logs JSON lines: journalctl -u hanode -o cat | npx pino-pretty
# The user needs the gpio, i2c and spi groups for the hardware (Raspberry Pi OS's first user has them).

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
  };
}

/** Prints the unit, or writes it with `--write`; returns the exit code. */
export async function serviceInstall(opts: ServiceInstallOptions, env: ServiceEnvironment = defaultEnvironment()): Promise<number> {
  const config = opts.config ? resolve(env.cwd, opts.config) : undefined;
  if (config && !existsSync(config)) {
    env.err(`${config}: config file not found\n`);
    return 1;
  }
  const unit = systemdUnit({
    user: opts.user ?? env.defaultUser,
    workingDirectory: env.cwd,
    node: process.execPath,
    bin: packagePath('bin/hanode.js'),
    config,
  });
  if (!opts.write) {
    env.out(unit);
    env.err(`# save it as ${env.unitPath} (or run: sudo npx hanode service install --write), then: sudo systemctl daemon-reload && sudo systemctl enable --now hanode\n`);
    return 0;
  }
  if (!env.isRoot) {
    env.err(
      `writing ${env.unitPath} needs root. Run: sudo "$(command -v node)" ${packagePath('bin/hanode.js')} service install --write` +
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
  await writeFile(env.unitPath, unit, { mode: 0o644 });
  env.err(`wrote ${env.unitPath}. Now: systemctl daemon-reload && systemctl enable --now hanode; logs: journalctl -u hanode -f\n`);
  return 0;
}
