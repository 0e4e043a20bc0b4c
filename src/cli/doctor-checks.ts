/**
 * The checks of `hanode doctor` (README "Running on a Pi"). Each looks at one thing and says ok,
 * warn or fail, with the fix for anything not ok. Files are read under `root` (a copied tree in
 * tests, `/` otherwise) and commands go through `run`, so every check runs on fixture trees.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packagePath } from '../core/package-root.js';
import type { Config } from '../config/config.js';
import { formatBytes } from '../core/limits.js';
import { hideCredentials } from '../core/redact.js';
import { topicsFor } from '../core/topics.js';
import type { DriverRegistry } from '../core/registry.js';
import { formatProblem, loadSchemeDir, validatePaths } from '../schemes/loader.js';
import { brokerOf, connectBroker } from './fleet.js';
import { UNIT_NAME } from './service.js';

export type Level = 'ok' | 'warn' | 'fail';

export interface Check {
  name: string;
  level: Level;
  message: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DoctorEnvironment {
  /** Where /etc, /dev, /sys, /boot and /run are read: `/`, or a copied tree. */
  root: string;
  /** The directory hanode runs from (hanode.yaml, schemes/, data/), as the service's WorkingDirectory is seen under `root`. */
  cwd: string;
  /** The account whose groups are checked. */
  user: string;
  nodeVersion: string;
  hostname: string;
  /** Runs a command; code 127 when it is not there. */
  run(cmd: string, args: string[]): Promise<{ code: number; stdout: string }>;
  /** How long to wait for the broker and the node's answers, in ms. */
  brokerTimeoutMs: number;
}

const ok = (name: string, message: string): Check => ({ name, level: 'ok', message });
const warn = (name: string, message: string, fix: string): Check => ({ name, level: 'warn', message, fix });
const fail = (name: string, message: string, fix: string): Check => ({ name, level: 'fail', message, fix });

export async function checkNode(env: DoctorEnvironment): Promise<Check> {
  // The same test bin/hanode.js makes before anything else loads (it works on any Node).
  const { tooOld, MINIMUM } = (await import(pathToFileURL(packagePath('bin/node-version.js')).href)) as { tooOld(v: string): string | undefined; MINIMUM: number[] };
  const problem = tooOld(env.nodeVersion);
  if (problem) return fail('node', `Node.js ${env.nodeVersion} is too old (hanode needs ${MINIMUM.join('.')} or newer)`, problem.replace(/^.*?: /, ''));
  return ok('node', `Node.js ${env.nodeVersion} (needs ${MINIMUM.join('.')} or newer)`);
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** gpio, i2c and spi open the Pi's GPIO, I2C and SPI devices; dialout its serial ports. */
export async function checkGroups(env: DoctorEnvironment): Promise<Check[]> {
  const name = 'groups';
  if (env.user === 'root') return [ok(name, 'running as root, which opens every device')];
  const groups = new Map<string, { gid: string; members: string[] }>();
  for (const line of ((await readText(join(env.root, 'etc/group'))) ?? '').split('\n')) {
    const [group, , gid, members] = line.split(':');
    if (group && gid !== undefined) groups.set(group, { gid, members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  const passwd = ((await readText(join(env.root, 'etc/passwd'))) ?? '').split('\n').map((l) => l.split(':'));
  const primary = passwd.find((p) => p[0] === env.user)?.[3];
  const isIn = (g: string) => {
    const entry = groups.get(g);
    return entry !== undefined && (entry.members.includes(env.user) || entry.gid === primary);
  };
  const required = ['gpio', 'i2c', 'spi'];
  const missing = required.filter((g) => groups.has(g) && !isIn(g));
  const absent = required.filter((g) => !groups.has(g));
  const checks: Check[] = [];
  if (missing.length) {
    checks.push(
      fail(name, `${env.user} is not in ${missing.join(', ')}: hanode cannot open those devices`, `sudo usermod -aG ${missing.join(',')} ${env.user}, then log out and in (or restart the service)`),
    );
  } else if (absent.length === required.length) {
    checks.push(warn(name, 'no gpio, i2c or spi group on this system (not Raspberry Pi OS?)', 'give the service user access to /dev/gpiochip*, /dev/i2c-* and /dev/spidev* with udev rules, or run on simulated hardware'));
  } else {
    const have = required.filter((g) => groups.has(g));
    checks.push(ok(name, `${env.user} is in ${have.join(', ')}${absent.length ? ` (no ${absent.join(', ')} group here)` : ''}`));
  }
  if (groups.has('dialout') && !isIn('dialout')) {
    checks.push(warn('serial', `${env.user} is not in dialout: serial drivers (pms5003, serial-line) cannot open /dev/serial0 or USB adapters`, `sudo usermod -aG dialout ${env.user}`));
  }
  return checks;
}

/** `dtparam` and `dtoverlay` settings in config.txt, as `name=value` and overlay names. */
export function bootSettings(text: string): { params: Map<string, string>; overlays: Set<string> } {
  const params = new Map<string, string>();
  const overlays = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'dtoverlay') overlays.add(value.split(',')[0]!.trim());
    if (key === 'dtparam') {
      for (const part of value.split(',')) {
        const [k, v] = part.split('=');
        if (k) params.set(k.trim(), (v ?? 'on').trim());
      }
    }
  }
  return { params, overlays };
}

/**
 * The buses the node's valid schemes use, each with the ids of the schemes on it (none under
 * `hardware: sim`, which needs no device).
 */
export async function busesInUse(config: Config, registry: DriverRegistry): Promise<Map<string, string[]>> {
  const used = new Map<string, string[]>();
  if (config.hardware === 'sim') return used;
  const loaded = await loadSchemeDir(config.schemes, registry, { secretsFile: resolve(config.dir, 'secrets.yaml') });
  for (const s of [...loaded.inputs, ...loaded.outputs]) {
    const bus = registry.get(s.direction, s.driver)?.bus;
    if (bus) used.set(bus, [...(used.get(bus) ?? []), s.id]);
  }
  return used;
}

/** GPIO, I2C, SPI and 1-wire: a missing one fails when a scheme uses it, else it is a warning. */
export async function checkInterfaces(env: DoctorEnvironment, used: Map<string, string[]> = new Map()): Promise<Check[]> {
  const devices = await readdir(join(env.root, 'dev')).catch(() => [] as string[]);
  const configPath = ['boot/firmware/config.txt', 'boot/config.txt'].find((p) => existsSync(join(env.root, p)));
  const boot = bootSettings(configPath ? ((await readText(join(env.root, configPath))) ?? '') : '');
  const where = configPath ? `/${configPath}` : '/boot/firmware/config.txt';
  const checks: Check[] = [];
  // Missing and needed by a scheme is a fail; missing and unused only a warning.
  const needed = (bus: string) => {
    const ids = used.get(bus);
    return ids?.length ? `, and ${ids.length > 3 ? `${ids.slice(0, 3).join(', ')} …` : ids.join(', ')} use${ids.length === 1 ? 's' : ''} it` : undefined;
  };
  const missing = (name: string, bus: string, message: string, fix: string) => {
    const why = needed(bus);
    return why ? fail(name, `${message}${why}`, fix) : warn(name, `${message} (only needed by schemes that use it)`, fix);
  };
  const gpio = devices.filter((d) => /^gpiochip\d+$/.test(d)).sort();
  checks.push(
    gpio.length
      ? ok('gpio', `GPIO character devices: ${gpio.map((d) => `/dev/${d}`).join(', ')}`)
      : missing('gpio', 'gpio', 'no /dev/gpiochip*: not a Raspberry Pi, or a kernel without the GPIO character device', 'on a Pi, update the kernel (sudo apt full-upgrade); elsewhere run with hardware: sim'),
  );
  const iface = (name: string, found: string[], enabled: boolean, setting: string, raspi: string): Check => {
    if (found.length) return ok(name, `${name} on: ${found.map((d) => (d.startsWith('/') ? d : `/dev/${d}`)).join(', ')}`);
    if (enabled) return missing(name, name, `${setting} is in ${where} but ${name} is not up yet`, 'reboot');
    return missing(name, name, `${name} is off`, `sudo raspi-config nonint ${raspi} 0 (or add ${setting} to ${where}), then reboot`);
  };
  const on = (k: string) => boot.params.get(k) === 'on';
  checks.push(iface('i2c', devices.filter((d) => /^i2c-\d+$/.test(d)).sort(), on('i2c_arm') || on('i2c'), 'dtparam=i2c_arm=on', 'do_i2c'));
  checks.push(iface('spi', devices.filter((d) => /^spidev\d+\.\d+$/.test(d)).sort(), on('spi'), 'dtparam=spi=on', 'do_spi'));
  const w1 = existsSync(join(env.root, 'sys/bus/w1/devices')) ? ['/sys/bus/w1/devices'] : [];
  checks.push(iface('1-wire', w1, boot.overlays.has('w1-gpio') || boot.overlays.has('w1-gpio-pullup'), 'dtoverlay=w1-gpio', 'do_onewire'));
  return checks;
}

export async function checkClock(env: DoctorEnvironment): Promise<Check> {
  const name = 'clock';
  const r = await env.run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
  const fix = 'sudo timedatectl set-ntp true, and let the Pi reach an NTP server (a Pi has no battery clock: readings carry wrong times until it syncs)';
  if (r.code === 0 && r.stdout.trim() === 'yes') return ok(name, 'synchronised with NTP (timedatectl)');
  if (r.code === 0 && r.stdout.trim() === 'no') return warn(name, 'not synchronised with NTP (timedatectl)', fix);
  // No timedatectl (a container): systemd-timesyncd leaves this file once it has synced.
  if (existsSync(join(env.root, 'run/systemd/timesync/synchronized'))) return ok(name, 'synchronised with NTP (systemd-timesyncd)');
  return warn(name, 'cannot tell whether the clock is synchronised (no timedatectl, no /run/systemd/timesync/synchronized)', fix);
}

export async function checkData(config: Config): Promise<Check> {
  const name = 'data';
  let dir = config.data;
  let note = '';
  // A directory that does not exist yet is made at the first run: its nearest parent must be writable.
  while (!existsSync(dir) && dirname(dir) !== dir) {
    dir = dirname(dir);
    note = ` (${config.data} will be created in it)`;
  }
  const probe = join(dir, `.hanode-doctor-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, 'x');
    await rm(probe);
  } catch (err) {
    return fail(name, `${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${note}`, `make it writable by the service user: sudo chown -R <user> ${dir}`);
  }
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const shown = free >= 1024 * 1024 ? `${Math.round(free / (1024 * 1024))} MiB` : formatBytes(free);
  if (free < 20 * 1024 * 1024) return fail(name, `${dir} is writable but only ${shown} are free${note}`, 'free some space (sudo apt clean, journalctl --vacuum-size=50M) or point data: at a larger disk');
  if (free < config.outbox.max_bytes) {
    return warn(name, `${dir}: ${shown} free, less than the outbox may take (${formatBytes(config.outbox.max_bytes)})${note}`, 'free some space, or lower outbox.max_bytes in hanode.yaml');
  }
  return ok(name, `${dir} is writable, ${shown} free${note}`);
}

export async function checkSchemes(config: Config, registry: DriverRegistry): Promise<Check> {
  const name = 'schemes';
  if (!existsSync(config.schemes)) return warn(name, `no schemes directory at ${config.schemes}`, `mkdir ${config.schemes}, then draft files with: hanode scan --write ${config.schemes}`);
  const { problems, fileCount } = await validatePaths([config.schemes], registry, { secretsFile: resolve(config.dir, 'secrets.yaml') });
  if (problems.length) {
    const shown = problems.slice(0, 3).map(formatProblem).join('; ');
    return fail(name, `${problems.length} problem(s) in ${config.schemes}: ${shown}${problems.length > 3 ? '; …' : ''}`, `hanode validate ${config.schemes} lists every problem as FILE:LINE:COL`);
  }
  return ok(name, `${fileCount} scheme file(s) in ${config.schemes}, all valid`);
}

/** Reachable, with the configured credentials; then whether another machine uses this node id. */
export async function checkBroker(config: Config, env: DoctorEnvironment): Promise<Check[]> {
  const broker = await brokerOf(config);
  const shown = hideCredentials(broker.url);
  const auth = broker.username ? ` as ${broker.username}` : ' without credentials';
  let client;
  try {
    client = await connectBroker({ ...broker, connectTimeoutMs: env.brokerTimeoutMs }, 'connect to');
  } catch (err) {
    const message = (err as Error).message;
    if (/not authori[sz]ed|bad user ?name or password|authenticat/i.test(message)) {
      return [fail('broker', `${shown} refused the connection${auth}: ${message.replace(/^.*?: /, '')}`, 'check mqtt.username and mqtt.password (or the URL\'s user:password) in hanode.yaml against the broker\'s password file')];
    }
    if (!config.mqtt.url) {
      return [warn('broker', `no broker answers at ${shown}; hanode run will start its embedded broker there`, 'install Mosquitto (sudo apt install mosquitto) for a broker that other programs share, or set mqtt.url')];
    }
    return [fail('broker', `cannot reach ${shown}: ${message.replace(/^cannot connect to \S+: /, '')}`, `check that the broker runs and that mqtt.url in hanode.yaml is right (try: mosquitto_sub -h <host> -p <port> -t '#' -C 1)`)];
  }
  const checks: Check[] = [ok('broker', `${shown} reachable${auth}`)];
  try {
    checks.push(await duplicateCheck(client, config, env));
  } finally {
    await client.endAsync(true).catch(() => {});
  }
  return checks;
}

/**
 * Another machine with this node id: its retained `$info` names another host, or the running
 * node's link has been taken over (the broker handed its client id to another connection), which
 * its `health` answer counts.
 */
async function duplicateCheck(client: import('mqtt').MqttClient, config: Config, env: DoctorEnvironment): Promise<Check> {
  const name = 'node id';
  const id = config.node.id;
  const topics = topicsFor(config.base_topic, id);
  let status: string | undefined;
  let info: Record<string, unknown> | undefined;
  let health: Record<string, any> | undefined;
  const transaction = `doctor-${randomBytes(4).toString('hex')}`;
  client.on('message', (topic, payload) => {
    const text = payload.toString();
    try {
      if (topic === topics.status) status = text;
      else if (topic === topics.info && text) info = JSON.parse(text);
      else if (topic === topics.response('health')) {
        const reply = JSON.parse(text);
        if (reply.transaction === transaction) health = reply.data;
      }
    } catch {
      // Not JSON: not a hanode node's message.
    }
  });
  await client.subscribeAsync([topics.status, topics.info, topics.response('health')], { qos: 1 });
  await client.publishAsync(topics.request('health'), JSON.stringify({ transaction }), { qos: 1 });
  // Retained messages come at once; only a node that says it is online is waited for (its health answer).
  const began = Date.now();
  for (;;) {
    const elapsed = Date.now() - began;
    if (health || elapsed >= env.brokerTimeoutMs || (elapsed >= 300 && status !== 'online')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const fix = `give each Pi its own id: node: { id: <name> } in hanode.yaml (a copied SD card keeps the old one)`;
  const host = typeof info?.host === 'string' ? info.host : undefined;
  const takeovers = Number(health?.connection?.takeovers ?? 0);
  if (takeovers > 0) return fail(name, `'${id}': the broker has handed this node's connection to another client ${takeovers} time(s): two agents run with this id`, fix);
  if (host && host !== env.hostname) {
    if (status === 'online') return fail(name, `'${id}' is online from host '${host}', not this one ('${env.hostname}')`, fix);
    return warn(name, `'${id}' was last used by host '${host}' (now ${status ?? 'unknown'})`, `if that Pi is retired: hanode fleet purge ${id}; otherwise ${fix}`);
  }
  if (!info && status === undefined) return ok(name, `no node '${id}' on the broker yet`);
  return ok(name, `'${id}' is only this machine's (${status ?? 'no status'})`);
}

/** The installed unit: present, enabled, and what `hanode service install` writes for this directory. */
export async function checkService(env: DoctorEnvironment): Promise<Check[]> {
  const path = join(env.root, 'etc/systemd/system', UNIT_NAME);
  const install = 'sudo npx hanode service install --write && sudo systemctl daemon-reload && sudo systemctl enable --now hanode';
  const text = await readText(path);
  if (text === undefined) return [warn('service', `no ${UNIT_NAME} installed: hanode does not start at boot`, install)];
  const values = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(line.trim());
    if (m) values.set(m[1]!, [...(values.get(m[1]!) ?? []), m[2]!]);
  }
  const first = (k: string) => values.get(k)?.[0];
  const checks: Check[] = [];
  const wd = first('WorkingDirectory');
  const here = wd !== undefined && join(env.root, wd) === env.cwd;
  const stale = ['ProtectSystem', 'NoNewPrivileges', 'SupplementaryGroups'].filter((k) => !values.has(k));
  const ordered = (first('After') ?? '').includes('network-online.target');
  const reinstall = 'sudo npx hanode service install --write --force && sudo systemctl daemon-reload && sudo systemctl restart hanode';
  // ExecStart's program and script, as systemd splits it (quoted when they hold spaces).
  const exec = [...(first('ExecStart') ?? '').matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
  const script = exec.find((a) => /hanode\.js$/.test(a));
  const gone = [exec[0], script].filter((f): f is string => f !== undefined && f.startsWith('/') && !existsSync(join(env.root, f)));
  if (!script || exec[exec.indexOf(script) + 1] !== 'run') checks.push(fail('service', `${UNIT_NAME} does not run 'hanode.js run'`, reinstall));
  else if (gone.length) checks.push(fail('service', `${UNIT_NAME} runs ${gone.join(' and ')}, which no longer exist${gone.length === 1 ? 's' : ''} (Node.js or hanode moved?)`, reinstall));
  else if (!here) checks.push(warn('service', `${UNIT_NAME} runs hanode from ${wd ?? '(no WorkingDirectory)'}, not from here`, 'run hanode doctor in that directory, or reinstall the unit from here with --write --force'));
  else if (stale.length || !ordered) {
    checks.push(warn('service', `${UNIT_NAME} is from an older hanode (no ${[...stale, ...(ordered ? [] : ['After=network-online.target'])].join(', ')})`, reinstall));
  } else checks.push(ok('service', `${UNIT_NAME} installed for this directory, hardened, user ${first('User') ?? 'root'}`));
  const enabled = await env.run('systemctl', ['is-enabled', UNIT_NAME]);
  const state = enabled.stdout.trim();
  if (state === 'enabled') checks.push(ok('service', `${UNIT_NAME} is enabled (starts at boot)`));
  else checks.push(warn('service', `${UNIT_NAME} is ${state || 'not known to systemd'}: it will not start at boot`, 'sudo systemctl daemon-reload && sudo systemctl enable --now hanode'));
  return checks;
}
