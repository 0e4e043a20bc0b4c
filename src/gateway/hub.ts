/**
 * The gateway's core: which devices are here, what each may do, and how their commands map onto
 * the home's topics (README "Gateway for micro devices"):
 *
 * - variables at `B/$vars/V`, retained `{"value","ts","device"}`, shared by every gateway;
 * - presence at `B/$devices/ID/status`, retained `online`/`offline`, kept by the gateway holding ID;
 * - messages at `B/$devices/ID/msg`, not retained, for a device held by another gateway.
 *
 * Every variable seen is cached (up to a limit), so SUB answers with the current value at once.
 * A PUB is sent to local subscribers straight away and its echo from the broker is recognised
 * and skipped, so each change reaches each subscriber once.
 */
import type { IPublishPacket } from 'mqtt';
import type { Logger } from 'pino';
import type { Connection, ConnectionOwner } from './connection.js';
import type { Pairing } from './pairing.js';
import type { DeviceCommand } from './protocol.js';

type Handler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

/** The part of the node's MQTT link the gateway uses. */
export interface GatewayLink {
  /** Whether the broker is reachable now. */
  readonly connected: boolean;
  publish(topic: string, payload: string, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void>;
  subscribe(filter: string, fn: Handler, opts?: { qos?: 0 | 1 | 2 }): void;
  unsubscribe(fn: Handler): void;
}

export interface HubLimits {
  /** Connections at once, identified or not. */
  devices: number;
  /** SUBs per device. */
  subscriptions: number;
  /** Distinct variables one device may write. */
  variables: number;
  /** Variables remembered home-wide for SUB's first answer. */
  cached: number;
}

export interface HubOptions {
  base: string;
  /** This node's id: the `device` of variables written by `expose`. */
  node: string;
  link: GatewayLink;
  pairing: Pairing;
  log: Logger;
  limits: HubLimits;
  /** A variable changed (`live` false for retained values seen at start-up). */
  onVariable?: (name: string, value: string, live: boolean) => void;
  /** A device came or went. */
  onDevices?: () => void;
}

interface Variable {
  value: string;
  payload: string;
}

export class Hub implements ConnectionOwner {
  /** Identified devices by ID. */
  readonly devices = new Map<string, Connection>();
  readonly #connections = new Set<Connection>();
  readonly #vars = new Map<string, Variable>();
  readonly #subscribers = new Map<string, Set<Connection>>();
  /** Online/offline of every device ID in the home, from the retained status topics. */
  readonly #presence = new Map<string, boolean>();
  /** Payloads this gateway published to `B/$vars/…` whose echo has not come back yet. */
  readonly #ownEchoes = new Set<string>();
  /** Variables with a publish in flight, and the value to publish after it. */
  readonly #inflight = new Map<string, { next?: string }>();
  #cacheFullLogged = false;
  /** While stopping: the publishes still under way. */
  #stopping?: Promise<void>[];
  readonly #onVars: Handler = (t, p, pk) => this.#varMessage(t, p, pk);
  readonly #onStatus: Handler = (t, p) => this.#statusMessage(t, p);
  readonly #onMsg: Handler = (t, p, pk) => this.#msgMessage(t, p, pk);
  readonly #onNode: Handler = (t, p) => this.#nodeMessage(t, p);
  /** The devices each node's `$info` last listed on its gateway. */
  readonly #heldBy = new Map<string, string[]>();

  constructor(private readonly opts: HubOptions) {}

  start(): void {
    const { link, base } = this.opts;
    link.subscribe(`${base}/$vars/+`, this.#onVars, { qos: 1 });
    link.subscribe(`${base}/$devices/+/status`, this.#onStatus, { qos: 1 });
    link.subscribe(`${base}/$devices/+/msg`, this.#onMsg, { qos: 1 });
    // A node that dies cannot mark its devices offline: its will (`B/N/status offline`) does it here.
    link.subscribe(`${base}/+/status`, this.#onNode, { qos: 1 });
    link.subscribe(`${base}/+/$info`, this.#onNode, { qos: 1 });
  }

  /** Closes every connection (each gets CLOSE and is marked offline); waits up to 2 s for the broker to have the offlines. */
  async stop(): Promise<void> {
    const { link } = this.opts;
    this.#stopping = [];
    for (const conn of [...this.#connections]) conn.close('the gateway is stopping');
    link.unsubscribe(this.#onVars);
    link.unsubscribe(this.#onStatus);
    link.unsubscribe(this.#onMsg);
    link.unsubscribe(this.#onNode);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.#stopping), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    this.#stopping = undefined;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Takes a new connection, or refuses it (BAD, CLOSE) when the gateway is full. */
  attach(conn: Connection): void {
    if (this.#connections.size >= this.opts.limits.devices) {
      conn.log.warn(`refused: already ${this.opts.limits.devices} connections (gateway.limits.devices)`);
      conn.send({ command: 'BAD', reason: `gateway full: ${this.opts.limits.devices} connections` });
      conn.close('gateway full');
      return;
    }
    this.#connections.add(conn);
    conn.log.debug('connected');
    conn.open();
  }

  receive(conn: Connection, m: DeviceCommand): void {
    if (m.command === 'CLOSE') return conn.close('the device said CLOSE', { sendClose: false });
    if (m.command === 'HELLO!') return;
    if (m.command === 'ID') return void this.#identify(conn, m.id);
    if (conn.state !== 'identified') return conn.send({ command: 'BAD', reason: 'send ID first' });
    switch (m.command) {
      case 'SUB':
        return this.#subscribe(conn, m.variable);
      case 'UNSUB':
        this.#unsubscribe(conn, m.variable);
        return conn.send({ command: 'OK' });
      case 'UNSUBALL':
        for (const v of [...conn.subscriptions]) this.#unsubscribe(conn, v);
        return conn.send({ command: 'OK' });
      case 'PUB':
        return this.#pub(conn, m.variable, m.value);
      case 'DEL':
        return this.#del(conn, m.variable);
      case 'MSG':
        return this.#msg(conn, m.device, m.value);
    }
  }

  closed(conn: Connection, why: string): void {
    this.#connections.delete(conn);
    for (const v of conn.subscriptions) this.#subscribers.get(v)?.delete(conn);
    const id = conn.id;
    if (id === undefined || this.devices.get(id) !== conn) return void conn.log.debug(`closed: ${why}`);
    this.devices.delete(id);
    conn.log.info(`offline: ${why}`);
    this.#presence.set(id, false);
    this.#publish(this.#statusTopic(id), 'offline', 'presence');
    this.opts.onDevices?.();
  }

  /** Writes a variable as `device` (a device's PUB, or `expose` with the node's id). */
  write(name: string, value: string, device: string): void {
    const payload = JSON.stringify({ value, ts: new Date().toISOString(), device });
    this.#changed(name, { value, payload }, true);
    this.#publishVariable(name, payload);
  }

  /** The current value of a variable, if one is known. */
  value(name: string): string | undefined {
    return this.#vars.get(name)?.value;
  }

  async #identify(conn: Connection, id: string): Promise<void> {
    if (conn.state === 'identified') {
      return conn.send(conn.id === id ? { command: 'OK' } : { command: 'BAD', reason: `already identified as ${conn.id}` });
    }
    const admitted = await this.opts.pairing.admit(id).catch((err: Error) => ({ ok: false as const, reason: `could not remember the pairing: ${err.message}` }));
    if (conn.state === 'closed') return;
    if (!admitted.ok) {
      conn.log.warn(`refused ID ${id}: ${admitted.reason}`);
      conn.send({ command: 'BAD', reason: admitted.reason });
      return conn.close('ID refused');
    }
    const older = this.devices.get(id);
    conn.id = id;
    conn.state = 'identified';
    conn.log = conn.log.child({ device: id });
    this.devices.set(id, conn);
    // The newer connection wins: the older one is told CLOSE, and the device stays online.
    if (older && older !== conn) {
      older.log.info(`replaced by a newer connection from ${conn.peer}`);
      older.close('replaced by a newer connection');
    }
    conn.log.info(`online (${conn.peer})${admitted.paired ? ', paired now' : ''}`);
    conn.send({ command: 'OK' });
    this.#presence.set(id, true);
    this.#publish(this.#statusTopic(id), 'online', 'presence');
    this.opts.onDevices?.();
  }

  #subscribe(conn: Connection, name: string): void {
    const { subscriptions } = this.opts.limits;
    if (!conn.subscriptions.has(name) && conn.subscriptions.size >= subscriptions) {
      conn.log.warn(`SUB ${name} refused: already ${subscriptions} subscriptions`);
      return conn.send({ command: 'BAD', reason: `at most ${subscriptions} subscriptions per device` });
    }
    conn.subscriptions.add(name);
    const set = this.#subscribers.get(name) ?? new Set();
    set.add(conn);
    this.#subscribers.set(name, set);
    conn.send({ command: 'OK' });
    const current = this.#vars.get(name);
    if (current) conn.send({ command: 'SUB', variable: name, value: current.value });
  }

  #unsubscribe(conn: Connection, name: string): void {
    conn.subscriptions.delete(name);
    const set = this.#subscribers.get(name);
    set?.delete(conn);
    if (set?.size === 0) this.#subscribers.delete(name);
  }

  #canWrite(conn: Connection, name: string): boolean {
    const { variables } = this.opts.limits;
    if (conn.written.has(name)) return true;
    if (conn.written.size >= variables) {
      conn.log.warn(`write to ${name} refused: already ${variables} variables written by this device`);
      conn.send({ command: 'BAD', reason: `at most ${variables} variables per device` });
      return false;
    }
    conn.written.add(name);
    return true;
  }

  #pub(conn: Connection, name: string, value: string): void {
    if (!this.#canWrite(conn, name)) return;
    conn.send({ command: 'OK' });
    this.write(name, value, conn.id!);
  }

  #del(conn: Connection, name: string): void {
    if (!this.#canWrite(conn, name)) return;
    conn.send({ command: 'OK' });
    this.#cleared(name);
    this.#publishVariable(name, '');
  }

  #msg(conn: Connection, to: string, value: string): void {
    const local = this.devices.get(to);
    if (local) {
      conn.send({ command: 'OK' });
      return local.send({ command: 'MSG', device: conn.id!, value });
    }
    if (this.#presence.get(to) !== true) return conn.send({ command: 'BAD', reason: `device ${to} is offline` });
    // A message is not state: queued in memory for a broker that may be gone for hours it would
    // pile up without bound. The device is told instead, and may try again.
    if (!this.opts.link.connected) return conn.send({ command: 'BAD', reason: `the broker is unreachable; the message to ${to} was not sent` });
    conn.send({ command: 'OK' });
    const payload = JSON.stringify({ from: conn.id, value, ts: new Date().toISOString() });
    this.#publish(`${this.opts.base}/$devices/${to}/msg`, payload, 'message');
  }

  #changed(name: string, v: Variable, live: boolean): void {
    if (!this.#vars.has(name) && this.#vars.size >= this.opts.limits.cached) {
      if (!this.#cacheFullLogged) this.opts.log.warn(`gateway: more than ${this.opts.limits.cached} variables in the home; SUB to further ones waits for their next change`);
      this.#cacheFullLogged = true;
    } else this.#vars.set(name, v);
    for (const conn of this.#subscribers.get(name) ?? []) conn.send({ command: 'SUB', variable: name, value: v.value });
    this.opts.onVariable?.(name, v.value, live);
  }

  #cleared(name: string): void {
    if (!this.#vars.delete(name)) return;
    for (const conn of this.#subscribers.get(name) ?? []) conn.send({ command: 'SUB', variable: name, value: '' });
  }

  #varMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const name = topic.slice(topic.lastIndexOf('/') + 1);
    const text = payload.toString('utf8');
    if (this.#ownEchoes.delete(echoKey(name, text))) return;
    if (text === '') return this.#cleared(name);
    if (this.#vars.get(name)?.payload === text) return;
    this.#changed(name, { value: variableValue(text), payload: text }, !packet.retain);
  }

  #statusMessage(topic: string, payload: Buffer): void {
    const id = topic.split('/').at(-2)!;
    const text = payload.toString('utf8');
    // Our own devices are known first-hand; a stale retained status must not override them.
    if (this.devices.has(id)) return;
    if (text === '') this.#presence.delete(id);
    else this.#presence.set(id, text === 'online');
  }

  #nodeMessage(topic: string, payload: Buffer): void {
    const [node, what] = topic.split('/').slice(-2) as [string, string];
    if (!/^[a-z0-9][a-z0-9-]*$/.test(node) || node === this.opts.node) return;
    const text = payload.toString('utf8');
    if (what === '$info') {
      try {
        const devices = JSON.parse(text)?.gateway?.devices;
        if (Array.isArray(devices)) this.#heldBy.set(node, devices.filter((d): d is string => typeof d === 'string').slice(0, 100_000));
        else this.#heldBy.delete(node);
      } catch {
        this.#heldBy.delete(node);
      }
      return;
    }
    if (text !== 'offline') return;
    for (const id of this.#heldBy.get(node) ?? []) if (!this.devices.has(id)) this.#presence.set(id, false);
  }

  #msgMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (packet.retain) return;
    const to = topic.split('/').at(-2)!;
    const conn = this.devices.get(to);
    if (!conn) return;
    try {
      const m = JSON.parse(payload.toString('utf8'));
      if (typeof m?.from !== 'string' || m.value === undefined) throw new Error('expected {"from","value","ts"}');
      conn.send({ command: 'MSG', device: m.from, value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value) });
    } catch (err) {
      this.opts.log.warn(`${topic}: ignoring a message: ${(err as Error).message}`);
    }
  }

  /**
   * A variable is state, so only its latest value matters on the broker: one publish per variable
   * is in flight at a time, and values that come meanwhile replace each other. A device flooding
   * one variable (or a broker that is away) then costs one pending value per variable, not a
   * queue; local subscribers still get every value at once.
   */
  #publishVariable(name: string, payload: string): void {
    const slot = this.#inflight.get(name);
    if (slot) {
      if (slot.next !== undefined) this.#ownEchoes.delete(echoKey(name, slot.next));
      slot.next = payload;
      this.#expectEcho(name, payload);
      return;
    }
    this.#inflight.set(name, {});
    this.#expectEcho(name, payload);
    void this.#publish(this.#varTopic(name), payload, 'variable', true).then(() => {
      const next = this.#inflight.get(name)?.next;
      this.#inflight.delete(name);
      if (next !== undefined) {
        this.#ownEchoes.delete(echoKey(name, next));
        this.#publishVariable(name, next);
      }
    });
  }

  #expectEcho(name: string, payload: string): void {
    this.#ownEchoes.add(echoKey(name, payload));
    // An echo lost (broker down) must not let the set grow without bound.
    if (this.#ownEchoes.size > 10_000) this.#ownEchoes.delete(this.#ownEchoes.values().next().value!);
  }

  #publish(topic: string, payload: string, what: string, retain = what !== 'message'): Promise<void> {
    const sent = this.opts.link.publish(topic, payload, { qos: 1, retain }).catch((err: Error) => this.opts.log.warn(`gateway: ${what} to ${topic} not published: ${err.message}`));
    this.#stopping?.push(sent);
    return sent;
  }

  #varTopic(name: string): string {
    return `${this.opts.base}/$vars/${name}`;
  }

  #statusTopic(id: string): string {
    return `${this.opts.base}/$devices/${id}/status`;
  }
}

/** How this gateway recognises the echo of its own publish: the payload, or the name for a DEL. */
const echoKey = (name: string, payload: string) => (payload === '' ? `${name}\0` : payload);

/** The value in a `B/$vars/V` payload: `value` of the JSON object, else the payload as it is. */
export function variableValue(text: string): string {
  if (text.startsWith('{')) {
    try {
      const v = JSON.parse(text);
      if (v && typeof v === 'object' && 'value' in v) return typeof v.value === 'string' ? v.value : JSON.stringify(v.value);
    } catch {
      // not JSON: the text is the value
    }
  }
  return text;
}
