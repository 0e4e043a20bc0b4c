/**
 * `hanode fleet`: the nodes that share a broker, read from their retained `B/N/status` and
 * `B/N/$info` (README "Topics"). Read-only: it subscribes, listens for a moment, and leaves.
 */
import { readFile } from 'node:fs/promises';
import { connect, type MqttClient } from 'mqtt';
import { loadConfig, type Config } from '../config/config.js';
import { checkDuration } from '../core/duration.js';
import { hideCredentials } from '../core/redact.js';
import { parseTopic } from '../core/topics.js';

export interface FleetNode {
  node: string;
  /** `unknown` when only `$info` was seen (a node that never said online, or whose status was cleared). */
  status: 'online' | 'offline' | 'unknown';
  version?: string;
  hardware?: string;
  inputs: string[];
  outputs: string[];
  /** When the node's agent started (`$info.started`). */
  started?: string;
  /** The line devices its gateway holds, when it runs one (`$info.gateway.devices`). */
  devices?: string[];
  /**
   * ISO time the node was last known alive: now for an online node (its will has not fired), the
   * arrival time of a live message, else the latest time its `$info` vouches for.
   */
  last_seen?: string;
}

/** A broker to talk to, as the node config describes it. */
export interface BrokerOptions {
  url: string;
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Base topic, `han` by default. */
  base: string;
}

export interface FleetReadOptions extends BrokerOptions {
  /** How long to collect retained messages after subscribing, in ms. */
  waitMs: number;
  /** For tests. */
  now?: () => Date;
}

/** A short-lived client for a fleet command; rejects with a message naming the broker (never its password). */
export async function connectBroker(o: BrokerOptions & { connectTimeoutMs?: number }, what: string): Promise<MqttClient> {
  const client = connect(o.url, {
    clientId: `hanode-fleet-${Math.random().toString(16).slice(2, 10)}`,
    username: o.username,
    password: o.password,
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: o.connectTimeoutMs ?? 5_000,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed')));
    });
  } catch (err) {
    await client.endAsync(true).catch(() => {});
    throw new Error(`cannot ${what} ${hideCredentials(o.url)}: ${(err as Error).message}`);
  }
  return client;
}

/** The broker, credentials and base topic of the node config (`-c`, else ./hanode.yaml), as `hanode run` would use them. */
export async function brokerFromConfig(opts: { mqtt?: string; config?: string }): Promise<BrokerOptions & { prefix: string }> {
  return brokerOf(await loadConfig({ config: opts.config, mqtt: opts.mqtt }));
}

/** The broker a loaded config points at: its `mqtt.url`, else the local one at `broker.port`. */
export async function brokerOf(config: Config): Promise<BrokerOptions & { prefix: string }> {
  const read = (f?: string) => (f ? readFile(f) : undefined);
  return {
    url: config.mqtt.url ?? `mqtt://127.0.0.1:${config.broker.port}`,
    username: config.mqtt.username,
    password: config.mqtt.password,
    ca: await read(config.mqtt.ca),
    cert: await read(config.mqtt.cert),
    key: await read(config.mqtt.key),
    base: config.base_topic,
    prefix: config.homeassistant.prefix,
  };
}

interface Seen {
  status?: { value: string; at?: Date };
  info?: { value: Record<string, unknown>; at?: Date };
}

/** Connects, collects `B/+/status` and `B/+/$info` for `waitMs`, and returns the nodes by id. */
export async function readFleet(o: FleetReadOptions): Promise<FleetNode[]> {
  const client = await connectBroker(o, 'read the fleet from');
  const seen = new Map<string, Seen>();
  const of = (node: string) => seen.get(node) ?? (seen.set(node, {}), seen.get(node)!);
  client.on('message', (topic, payload, packet) => {
    // A live message (not retained) tells when the node was last heard from.
    const at = packet.retain ? undefined : (o.now?.() ?? new Date());
    const parsed = parseTopic(o.base, '', topic);
    const text = payload.toString();
    if (parsed.kind === 'status' && text) of(parsed.node).status = { value: text, at };
    if (parsed.kind === 'info' && text) {
      try {
        const value = JSON.parse(text);
        if (value && typeof value === 'object' && !Array.isArray(value)) of(parsed.node).info = { value, at };
      } catch {
        // Not a hanode $info; ignore it.
      }
    }
  });
  try {
    await client.subscribeAsync([`${o.base}/+/status`, `${o.base}/+/$info`], { qos: 1 });
    await new Promise((r) => setTimeout(r, o.waitMs));
  } catch (err) {
    throw new Error(`cannot read the fleet from ${hideCredentials(o.url)}: ${(err as Error).message}`);
  } finally {
    await client.endAsync(true).catch(() => {});
  }
  const now = o.now?.() ?? new Date();
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([node, s]) => describeNode(node, s, now));
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function describeNode(node: string, s: Seen, now: Date): FleetNode {
  const info = s.info?.value ?? {};
  const status = s.status?.value === 'online' ? 'online' : s.status?.value === 'offline' ? 'offline' : 'unknown';
  const times = [s.status?.at, s.info?.at, ...[str(info.ts), str(info.started)].map((t) => (t ? new Date(t) : undefined))].filter(
    (d): d is Date => d instanceof Date && !Number.isNaN(d.getTime()),
  );
  const gateway = info.gateway && typeof info.gateway === 'object' ? (info.gateway as Record<string, unknown>) : undefined;
  const latest = times.length ? new Date(Math.max(...times.map((d) => d.getTime()))) : undefined;
  return {
    node,
    status,
    version: str(info.version),
    hardware: str(info.hardware),
    inputs: strings(info.inputs),
    outputs: strings(info.outputs),
    started: str(info.started),
    ...(gateway ? { devices: strings(gateway.devices) } : {}),
    last_seen: (status === 'online' ? now : latest)?.toISOString(),
  };
}

/** A table for people: one line per node. */
export function describeFleet(nodes: readonly FleetNode[], where: string, now = new Date()): string {
  if (!nodes.length) return `no hanode nodes seen on ${where}\n`;
  // The DEVICES column (line devices on the node's gateway) only when some node runs a gateway.
  const gateways = nodes.some((n) => n.devices);
  const rows = [['NODE', 'STATUS', 'VERSION', 'HARDWARE', 'INPUTS', 'OUTPUTS', ...(gateways ? ['DEVICES'] : []), 'STARTED', 'LAST SEEN']];
  for (const n of nodes) {
    rows.push([
      n.node,
      n.status,
      n.version ?? '-',
      n.hardware ?? '-',
      String(n.inputs.length),
      String(n.outputs.length),
      ...(gateways ? [n.devices ? String(n.devices.length) : '-'] : []),
      n.started ?? '-',
      n.status === 'online' ? 'now' : n.last_seen ? `${ago(now.getTime() - Date.parse(n.last_seen))} ago` : '-',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

export interface FleetCommandOptions {
  mqtt?: string;
  config?: string;
  wait?: string;
  json?: boolean;
}

/** `hanode fleet [--mqtt URL] [-c FILE] [--wait 1s] [--json]`; returns the exit code. */
export async function fleetCommand(opts: FleetCommandOptions): Promise<number> {
  const wait = checkDuration(opts.wait ?? '1s', { max: 600_000 });
  if (!wait.ok) {
    process.stderr.write(`--wait: ${wait.error}\n`);
    return 2;
  }
  const waitMs = wait.ms;
  const broker = await brokerFromConfig(opts);
  const { url } = broker;
  const config = { base_topic: broker.base };
  const nodes = await readFleet({ ...broker, waitMs });
  const where = `${hideCredentials(url)} under '${config.base_topic}/'`;
  process.stdout.write(
    opts.json ? JSON.stringify({ broker: hideCredentials(url), base_topic: config.base_topic, nodes }, null, 2) + '\n' : describeFleet(nodes, where),
  );
  return 0;
}
