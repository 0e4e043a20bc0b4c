/**
 * `hanode fleet request` and `hanode fleet purge` (README "Many Pis"): a `$request` sent to one
 * node or to every node on the broker, with the answers printed; and a retired node's retained
 * topics cleared, Home Assistant discovery configs included.
 */
import { checkDuration } from '../core/duration.js';
import { hideCredentials } from '../core/redact.js';
import { topicsFor } from '../core/topics.js';
import { brokerFromConfig, connectBroker, readFleet, type BrokerOptions } from './fleet.js';

const NODE_ID = /^[a-z0-9][a-z0-9-]*$/;
const OP = /^[a-z][a-z0-9_-]*(\/[a-z][a-z0-9_-]*)?$/;
/** The most nodes `--all` asks at once. */
export const MAX_FLEET_NODES = 1000;
/** The most retained topics one purge clears. */
export const MAX_PURGE_TOPICS = 100_000;

export interface Answer {
  status: 'ok' | 'error';
  data?: unknown;
  error?: string;
}

export interface FleetRequestOptions extends BrokerOptions {
  op: string;
  args: Record<string, unknown>;
  /** The nodes to ask; `undefined` asks every node seen on the broker (its retained status or $info). */
  nodes?: string[];
  /** How long to wait for the answers, in ms. */
  timeoutMs: number;
  /** With `nodes` undefined: how long to collect the retained status and $info that say which nodes exist. */
  discoverMs?: number;
}

export interface FleetRequestResult {
  op: string;
  asked: string[];
  /** With every node asked for: those whose retained status says offline, not asked. */
  offline: string[];
  answers: Record<string, Answer>;
  /** Asked but silent until the timeout. */
  missing: string[];
}

/** Sends `op` to each node with its own transaction id and collects the answers until all came or the timeout. */
export async function fleetRequest(o: FleetRequestOptions): Promise<FleetRequestResult> {
  if (!OP.test(o.op)) throw new Error(`'${o.op}' is not an operation name; expected e.g. health or scheme/get`);
  const seen = o.nodes ? undefined : await readFleet({ ...o, waitMs: o.discoverMs ?? 1_000 });
  const asked = o.nodes ?? seen!.filter((n) => n.status !== 'offline').map((n) => n.node);
  const offline = seen ? seen.filter((n) => n.status === 'offline').map((n) => n.node) : [];
  if (asked.length > MAX_FLEET_NODES) throw new Error(`${asked.length} nodes is over the limit of ${MAX_FLEET_NODES} for one request`);
  const result: FleetRequestResult = { op: o.op, asked, offline, answers: {}, missing: [] };
  if (asked.length === 0) return result;
  const client = await connectBroker(o, `send ${o.op} through`);
  const run = Math.random().toString(16).slice(2, 10);
  const transaction = (node: string) => `fleet-${run}-${node}`;
  try {
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => (done = resolve));
    client.on('message', (topic, payload) => {
      const node = asked.find((n) => topic === topicsFor(o.base, n).response(o.op));
      if (!node || result.answers[node]) return;
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(payload.toString());
      } catch {
        return;
      }
      if (reply.transaction !== transaction(node)) return;
      result.answers[node] = {
        status: reply.status === 'ok' ? 'ok' : 'error',
        ...(reply.data !== undefined ? { data: reply.data } : {}),
        ...(typeof reply.error === 'string' ? { error: reply.error } : {}),
      };
      if (Object.keys(result.answers).length === asked.length) done();
    });
    await client.subscribeAsync(`${o.base}/+/$response/${o.op}`, { qos: 1 });
    for (const node of asked) {
      await client.publishAsync(topicsFor(o.base, node).request(o.op), JSON.stringify({ ...o.args, transaction: transaction(node) }), { qos: 1 });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, o.timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await client.endAsync(true).catch(() => {});
  }
  result.missing = asked.filter((n) => !result.answers[n]);
  return result;
}

/** One line per node: `NODE  ok  {data}`, `NODE  error  reason`, `NODE  no answer`; then the count. */
export function describeAnswers(r: FleetRequestResult, timeoutMs: number): string {
  const offline = r.offline.length ? `not asked, offline: ${r.offline.join(', ')}\n` : '';
  if (r.asked.length === 0) return `${offline}no online hanode nodes seen on the broker; nothing was sent\n`;
  const width = Math.max(...r.asked.map((n) => n.length));
  const lines = r.asked.map((node) => {
    const a = r.answers[node];
    if (!a) return `${node.padEnd(width)}  no answer within ${timeoutMs} ms`;
    if (a.status === 'error') return `${node.padEnd(width)}  error  ${a.error ?? ''}${a.data !== undefined ? ` ${JSON.stringify(a.data)}` : ''}`;
    return `${node.padEnd(width)}  ok     ${a.data === undefined ? '' : JSON.stringify(a.data)}`;
  });
  return `${lines.join('\n')}\n${Object.keys(r.answers).length} of ${r.asked.length} node(s) answered ${r.op}\n${offline}`;
}

export interface FleetRequestCommandOptions {
  mqtt?: string;
  config?: string;
  node?: string;
  all?: boolean;
  timeout?: string;
  json?: boolean;
}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}
const stdio: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** `hanode fleet request (--node N | --all) OP [JSON]`: 0 when every node asked answered ok, 1 otherwise, 2 for bad usage. */
export async function fleetRequestCommand(op: string, json: string | undefined, opts: FleetRequestCommandOptions, io: Io = stdio): Promise<number> {
  if (Boolean(opts.node) === Boolean(opts.all)) {
    io.err('give either --node <id> or --all\n');
    return 2;
  }
  if (opts.node && !NODE_ID.test(opts.node)) {
    io.err(`--node: expected a node id (lower-case letters, digits and dashes), got ${JSON.stringify(opts.node)}\n`);
    return 2;
  }
  if (!OP.test(op)) {
    io.err(`'${op}' is not an operation name; expected e.g. health, schemes, log_level or scheme/get\n`);
    return 2;
  }
  let args: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      const value = JSON.parse(json);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
      args = value;
    } catch (err) {
      io.err(`the request's JSON: ${(err as Error).message}; e.g. '{"id":"kitchen-fan"}'\n`);
      return 2;
    }
  }
  const timeout = checkDuration(opts.timeout ?? '5s', { min: 1, max: 600_000 });
  if (!timeout.ok) {
    io.err(`--timeout: ${timeout.error}\n`);
    return 2;
  }
  const broker = await brokerFromConfig(opts);
  const result = await fleetRequest({ ...broker, op, args, nodes: opts.node ? [opts.node] : undefined, timeoutMs: timeout.ms });
  io.out(opts.json ? JSON.stringify({ broker: hideCredentials(broker.url), ...result }, null, 2) + '\n' : describeAnswers(result, timeout.ms));
  const allOk = result.asked.length > 0 && result.missing.length === 0 && Object.values(result.answers).every((a) => a.status === 'ok');
  return allOk ? 0 : 1;
}

export interface PurgeOptions extends BrokerOptions {
  node: string;
  /** Home Assistant's discovery prefix. */
  prefix: string;
  /** How long to collect the retained messages, in ms. */
  waitMs: number;
  /** Only list what would be cleared. */
  dryRun?: boolean;
  /** Clear even when the node says it is online. */
  force?: boolean;
}

export interface PurgeResult {
  node: string;
  /** The retained topics cleared (or that would be), sorted. */
  cleared: string[];
  /** Set when the node is online and nothing was cleared. */
  refused?: string;
}

/**
 * A discovery config is the node's when its device names it (`identifiers: ["hanode_N"]`) or,
 * without a device block, when it points at the node's topics: another integration may use the
 * same node id in its discovery topics (ESPHome does), and its configs are left alone.
 */
function isNodesConfig(payload: Buffer, node: string, base: string): boolean {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(payload.toString());
  } catch {
    return false;
  }
  if (!config || typeof config !== 'object') return false;
  const device = config.device ?? config.dev;
  const ids = device && typeof device === 'object' ? ((device as Record<string, unknown>).identifiers ?? (device as Record<string, unknown>).ids) : undefined;
  if (ids !== undefined) return (Array.isArray(ids) ? ids : [ids]).includes(`hanode_${node}`);
  const mine = `${base}/${node}/`;
  return Object.values(config).some((v) => typeof v === 'string' && v.startsWith(mine));
}

/** Finds the node's retained topics and, unless `dryRun`, clears each with an empty retained message. */
export async function purgeNode(o: PurgeOptions): Promise<PurgeResult> {
  if (!NODE_ID.test(o.node)) throw new Error(`expected a node id (lower-case letters, digits and dashes), got ${JSON.stringify(o.node)}`);
  const client = await connectBroker(o, `purge ${o.node} on`);
  const topics = topicsFor(o.base, o.node);
  const found = new Set<string>();
  let status: string | undefined;
  try {
    client.on('message', (topic, payload, packet) => {
      if (!packet.retain || payload.length === 0 || found.size >= MAX_PURGE_TOPICS) return;
      if (topic === topics.status) status = payload.toString();
      if (topic.startsWith(`${o.base}/${o.node}/`)) found.add(topic);
      else if (topic.startsWith(`${o.prefix}/`) && isNodesConfig(payload, o.node, o.base)) found.add(topic);
    });
    await client.subscribeAsync([`${o.base}/${o.node}/#`, `${o.prefix}/+/+/config`, `${o.prefix}/+/+/+/config`], { qos: 1 });
    await new Promise((r) => setTimeout(r, o.waitMs));
    const cleared = [...found].sort();
    if (status === 'online' && !o.force) {
      return { node: o.node, cleared: [], refused: `${o.node} says it is online; it would publish its topics again. Stop it first, or use --force` };
    }
    if (!o.dryRun) for (const topic of cleared) await client.publishAsync(topic, '', { qos: 1, retain: true });
    return { node: o.node, cleared };
  } finally {
    await client.endAsync().catch(() => {});
  }
}

export interface PurgeCommandOptions {
  mqtt?: string;
  config?: string;
  wait?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

/** `hanode fleet purge NODE [--dry-run] [--force]`: prints each topic cleared; 1 when refused. */
export async function fleetPurgeCommand(node: string, opts: PurgeCommandOptions, io: Io = stdio): Promise<number> {
  if (!NODE_ID.test(node)) {
    io.err(`expected a node id (lower-case letters, digits and dashes), got ${JSON.stringify(node)}\n`);
    return 2;
  }
  const wait = checkDuration(opts.wait ?? '2s', { min: 1, max: 600_000 });
  if (!wait.ok) {
    io.err(`--wait: ${wait.error}\n`);
    return 2;
  }
  const broker = await brokerFromConfig(opts);
  const r = await purgeNode({ ...broker, node, waitMs: wait.ms, dryRun: opts.dryRun, force: opts.force });
  if (opts.json) io.out(JSON.stringify({ ...r, dry_run: Boolean(opts.dryRun) }, null, 2) + '\n');
  if (r.refused) {
    io.err(`${r.refused}\n`);
    return 1;
  }
  if (!opts.json) {
    const verb = opts.dryRun ? 'would clear' : 'cleared';
    io.out(r.cleared.map((t) => `${verb} ${t}\n`).join(''));
    io.out(r.cleared.length ? `${r.cleared.length} retained topic(s) of ${node} ${opts.dryRun ? 'would be ' : ''}cleared\n` : `no retained topics of ${node} on ${hideCredentials(broker.url)}\n`);
  }
  return 0;
}
