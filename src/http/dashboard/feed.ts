/**
 * The dashboard's live feed (README "Dashboard"): what the pages show as it happens, sent to each
 * open page as Server-Sent Events. Scheme states, `status`, `$info`, availability, rule firings and
 * bridge states come from the MQTT messages the node's link receives, so a page shows the home as
 * this node sees it and follows the published state, never a click. This node's errors and gateway
 * devices come straight from the in-process bus, from before the first scheme starts, so an
 * invalid scheme file found at start is in the log a page opened later reads.
 *
 * Bounds: at most {@link DASHBOARD_LIMITS.clients} pages at once (more get 503); each page has a
 * queue of at most {@link DASHBOARD_LIMITS.queuedBytes} while its connection is slow, past which it
 * is dropped (the page reconnects and starts from a fresh snapshot); the log keeps the newest
 * {@link DASHBOARD_LIMITS.logEntries} entries; availability and bridge states are kept for at most
 * {@link DASHBOARD_LIMITS.keys} topics. A page left open for days uses the same memory as a new one.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { EventBus } from '../../core/bus.js';
import type { Service } from '../../core/service.js';
import type { MqttLink } from '../../mqtt/link.js';

export const DASHBOARD_LIMITS = {
  /** Live pages connected at once. */
  clients: 16,
  /** Bytes waiting for one slow page before it is dropped. */
  queuedBytes: 1024 * 1024,
  /** Errors and rule firings kept for pages that open later. */
  logEntries: 500,
  /** Availability and bridge states kept. */
  keys: 10_000,
  /** A payload over this is not sent to pages (the state is still in the API). */
  payloadBytes: 64 * 1024,
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: 15_000,
} as const;

/** One entry of the errors-and-rules log, newest last. */
export interface LogEntry {
  seq: number;
  kind: 'error' | 'rule';
  node: string;
  /** For an error, the topic or file it is about; for a firing, the rule id. */
  topic: string;
  /** The error text, or `then`/`else`. */
  text: string;
  ts: string;
}

/** What a page is told as it happens. `snapshot` comes first on every connection. */
export type FeedEvent =
  | { type: 'state'; node: string; id: string; state: unknown }
  | { type: 'status'; node: string; status: string }
  | { type: 'info'; node: string; info: unknown }
  | { type: 'availability'; node: string; id: string; online: boolean }
  | { type: 'bridge'; node: string; id: string; online: boolean }
  | { type: 'gateway'; devices: string[] }
  | { type: 'log'; entry: LogEntry };

export interface DashboardFeedContext {
  base: string;
  node: string;
  link: MqttLink;
  bus: EventBus;
  log: Logger;
}

interface Client {
  res: ServerResponse;
  queue: string[];
  queued: number;
}

export class DashboardFeed implements Service {
  readonly name = 'dashboard-feed';
  readonly #clients = new Set<Client>();
  readonly #log: LogEntry[] = [];
  readonly #availability = new Map<string, boolean>();
  readonly #bridges = new Map<string, boolean>();
  #gateway?: string[];
  #seq = 0;
  #dropped = 0;
  #heartbeat?: NodeJS.Timeout;
  readonly #onMessage = (topic: string, payload: Buffer) => this.#message(topic, payload);

  constructor(private readonly ctx: DashboardFeedContext) {}

  async start(): Promise<void> {
    const { base, link, bus, node } = this.ctx;
    bus.on('error', this, ({ topic, error }) => this.#append('error', node, topic, error, new Date().toISOString()));
    bus.on('gatewayDevices', this, ({ devices }) => {
      this.#gateway = devices.slice(0, DASHBOARD_LIMITS.keys);
      this.#broadcast({ type: 'gateway', devices: this.#gateway });
    });
    for (const filter of [`${base}/+/+`, `${base}/+/+/availability`, `${base}/+/$rules/+`, `${base}/+/$bridge/+/status`]) {
      link.subscribe(filter, this.#onMessage, { qos: 1 });
    }
    this.#heartbeat = setInterval(() => this.#heartbeatAll(), DASHBOARD_LIMITS.heartbeatMs);
    this.#heartbeat.unref();
  }

  async stop(): Promise<void> {
    this.ctx.bus.off(this);
    this.ctx.link.unsubscribe(this.#onMessage);
    clearInterval(this.#heartbeat);
    this.endAll();
  }

  /** Ends every page's stream; the HTTP server does this before it closes, which would wait for them otherwise. */
  endAll(): void {
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  /** Pages connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Pages dropped for falling too far behind, since start. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The log, availability, bridges and gateway devices as they are now (states and nodes come from the directory). */
  snapshot(): { log: LogEntry[]; availability: Record<string, boolean>; bridges: Record<string, boolean>; gateway?: string[] } {
    return {
      log: [...this.#log],
      availability: Object.fromEntries(this.#availability),
      bridges: Object.fromEntries(this.#bridges),
      ...(this.#gateway ? { gateway: this.#gateway } : {}),
    };
  }

  /**
   * Takes over `res` as an event stream that starts with `first` (the snapshot); false, with
   * nothing written, when {@link DASHBOARD_LIMITS.clients} pages are connected already.
   */
  attach(res: ServerResponse, first: unknown): boolean {
    if (this.#clients.size >= DASHBOARD_LIMITS.clients) return false;
    const client: Client = { res, queue: [], queued: 0 };
    this.#clients.add(client);
    // `connection: close`: once a stream is ended its socket goes too, rather than idling as keep-alive.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'close' });
    res.on('close', () => this.#clients.delete(client));
    res.on('drain', () => this.#flush(client));
    this.#send(client, `retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(first)}\n\n`);
    this.ctx.log.debug(`dashboard: a page connected (${this.#clients.size} now)`);
    return true;
  }

  #message(topic: string, payload: Buffer): void {
    const rest = topic.slice(this.ctx.base.length + 1).split('/');
    const [node, leaf] = rest;
    if (!node || node.startsWith('$') || payload.length > DASHBOARD_LIMITS.payloadBytes) return;
    const text = payload.toString('utf8');
    if (rest.length === 2) {
      if (leaf === 'status') return this.#broadcast({ type: 'status', node, status: text });
      if (leaf === '$info') return this.#broadcast({ type: 'info', node, info: parse(text) });
      if (leaf === '$error') {
        // This node's errors come from the bus, which has them even before the link is up.
        if (node === this.ctx.node) return;
        const e = parse(text) as { topic?: unknown; error?: unknown; ts?: unknown };
        return this.#append('error', node, String(e?.topic ?? ''), String(e?.error ?? text), typeof e?.ts === 'string' ? e.ts : new Date().toISOString());
      }
      if (leaf.startsWith('$')) return;
      return this.#broadcast({ type: 'state', node, id: leaf, state: text === '' ? null : parse(text) });
    }
    if (rest.length === 3 && leaf === '$rules') {
      const f = parse(text) as { fired?: unknown; ts?: unknown };
      return this.#append('rule', node, rest[2], String(f?.fired ?? text), typeof f?.ts === 'string' ? f.ts : new Date().toISOString());
    }
    if (rest.length === 3 && rest[2] === 'availability' && !leaf.startsWith('$')) {
      const online = text === 'online';
      this.#keep(this.#availability, `${node}/${leaf}`, online);
      return this.#broadcast({ type: 'availability', node, id: leaf, online });
    }
    if (rest.length === 4 && leaf === '$bridge' && rest[3] === 'status') {
      const online = text === 'online';
      this.#keep(this.#bridges, `${node}/${rest[2]}`, online);
      return this.#broadcast({ type: 'bridge', node, id: rest[2], online });
    }
  }

  #keep(map: Map<string, boolean>, key: string, value: boolean): void {
    if (map.has(key) || map.size < DASHBOARD_LIMITS.keys) map.set(key, value);
  }

  #append(kind: LogEntry['kind'], node: string, topic: string, text: string, ts: string): void {
    const entry: LogEntry = { seq: ++this.#seq, kind, node, topic: topic.slice(0, 1024), text: text.slice(0, 4096), ts };
    this.#log.push(entry);
    if (this.#log.length > DASHBOARD_LIMITS.logEntries) this.#log.splice(0, this.#log.length - DASHBOARD_LIMITS.logEntries);
    this.#broadcast({ type: 'log', entry });
  }

  #broadcast(event: FeedEvent): void {
    if (!this.#clients.size) return;
    // Serialised once for every page.
    const frame = `data: ${JSON.stringify(event)}\n\n`;
    for (const client of this.#clients) this.#send(client, frame);
  }

  #heartbeatAll(): void {
    for (const client of this.#clients) this.#send(client, ': keep-alive\n\n');
  }

  #send(client: Client, frame: string): void {
    if (client.queue.length) {
      client.queue.push(frame);
      client.queued += Buffer.byteLength(frame);
      if (client.queued > DASHBOARD_LIMITS.queuedBytes) this.#drop(client);
      return;
    }
    if (!client.res.write(frame)) client.queue.push('');
  }

  #flush(client: Client): void {
    while (client.queue.length) {
      const frame = client.queue.shift()!;
      client.queued -= Buffer.byteLength(frame);
      if (frame && !client.res.write(frame)) {
        // Still slow: an empty marker keeps later frames queued behind the ones in flight.
        client.queue.unshift('');
        return;
      }
    }
  }

  #drop(client: Client): void {
    this.#clients.delete(client);
    this.#dropped++;
    this.ctx.log.warn(`dashboard: dropped a page that fell ${DASHBOARD_LIMITS.queuedBytes} bytes behind; it reconnects and starts again from a snapshot`);
    client.res.destroy();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
