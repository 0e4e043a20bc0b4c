/**
 * What every bridge shares: its own durable backlog (an Outbox in `<data>/bridge-<id>.sqlite`),
 * the local subscriptions that fill it, and the sender that drains it toward the remote at the
 * bridge's own pace. The local side only ever enqueues, so a dead remote costs the local loop
 * one group-committed insert per message and nothing more.
 *
 * A row leaves the backlog only when the remote has it (PUBACK, a 2xx), so delivery is
 * at-least-once and in order: after a failure the sender waits for what is in flight, goes back
 * to the oldest row still waiting and tries again after a backoff.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Outbox, type OutboxMessage } from '../publisher/outbox.js';
import type { Clock } from '../core/clock.js';
import { EchoMemory } from './echo.js';
import { Pacer } from './pacer.js';
import { localMessage, type LocalMessage } from './template.js';
import type { BridgeConfig } from './schema.js';

/** What a bridge gets from the service. */
export interface BridgeContext {
  node: string;
  base: string;
  log: Logger;
  dataDir: string;
  /** The backlog file; `<dataDir>/bridge-<id>.sqlite` when not given. */
  backlogFile?: string;
  clock: Clock;
  /** Publishes on the local broker (receive mappings). */
  publishLocal(topic: string, payload: string | Buffer, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void>;
  /** The bridge went online or offline. */
  onStatus(online: boolean): void;
  /** Something an operator should see on `$error`. */
  error(message: string): void;
}

/** A message for the backlog. */
export type Row = Omit<OutboxMessage, 'id'>;

/** A bridge's figures, for `status()` and health. */
export interface BridgeStatus {
  id: string;
  type: BridgeConfig['type'];
  online: boolean;
  /** Messages waiting in the backlog. */
  backlog: number;
  /** Messages the backlog's bounds dropped (persisted). */
  dropped: number;
  /** Messages the remote has acknowledged since start. */
  sent: number;
  /** Messages brought from the remote to the local broker since start. */
  received: number;
  /** Local messages not forwarded because they had come from the remote. */
  looped: number;
  lastError: string | null;
}

/** One `forward:` entry, whatever the type. */
export type Forward = BridgeConfig['forward'][number];

export abstract class Bridge<C extends BridgeConfig = BridgeConfig> {
  protected outbox?: Outbox;
  protected readonly log: Logger;
  /** Messages in flight at once, and rows per delivery. */
  protected window = 1;
  protected batch = 1;
  /** Local messages this bridge published (from the remote): never forwarded back. */
  protected readonly localEcho = new EchoMemory();
  #pacer?: Pacer;
  #running = false;
  #online = false;
  #statusKnown = false;
  #timer?: unknown;
  #immediate?: NodeJS.Immediate;
  #cursor = 0;
  readonly #inflight = new Set<number>();
  #idle: (() => void)[] = [];
  #failed = false;
  #retryAt = 0;
  #backoff = 0;
  #lastError: string | null = null;
  #lastWarn = -Infinity;
  readonly #lastForwarded = new Map<string, string>();
  protected counts = { sent: 0, received: 0, looped: 0 };

  constructor(readonly config: C, protected readonly ctx: BridgeContext) {
    this.log = ctx.log;
  }

  get id(): string {
    return this.config.id;
  }

  /** Messages per second and burst; the types with a service limit override it. */
  protected pace(): { rate: number; burst: number } {
    const rate = 'rate' in this.config ? this.config.rate : 1;
    return { rate, burst: Math.max(1, Math.floor(rate)) };
  }

  /** Whether a delivery can be tried now (connected, say). */
  protected abstract get ready(): boolean;
  /** Starts the remote side; must not wait for the remote to answer. */
  protected abstract open(): Promise<void>;
  /** Ends the remote side; what is in flight may fail, and stays in the backlog. */
  protected abstract close(): Promise<void>;
  /** The rows a local message makes for one forward entry; none to skip it. */
  protected abstract encode(entry: Forward, msg: LocalMessage): Row[];
  /** The rows for a rule's notify action; throws with a reason fit for `$error`. */
  protected abstract encodeNotify(payload: Record<string, unknown>): Row[];
  /** Sends rows (oldest first); resolves when the remote has them all. */
  protected abstract deliver(rows: OutboxMessage[]): Promise<void>;

  async start(): Promise<void> {
    const { dataDir, clock, log } = this.ctx;
    this.outbox = Outbox.open({
      file: this.ctx.backlogFile ?? join(dataDir, `bridge-${this.id}.sqlite`),
      maxMessages: this.config.backlog.max_messages,
      maxBytes: this.config.backlog.max_bytes,
      commitWindowMs: 10,
      log,
      onCorrupt: ({ movedTo, error }) => this.ctx.error(`the backlog was unreadable (${error}); moved it to ${movedTo} and started an empty one`),
    });
    const { rate, burst } = this.pace();
    this.#pacer = new Pacer(rate, burst, clock.elapsed());
    this.#running = true;
    const waiting = this.outbox.stats().depth;
    if (waiting) log.info(`${waiting} message(s) kept from before are waiting to be sent`);
    try {
      await this.open();
    } catch (err) {
      // E.g. a certificate file gone since the config was read: the backlog stays for next time.
      this.#running = false;
      this.outbox.close();
      throw err;
    }
    this.kick();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.ctx.clock.clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = this.#immediate = undefined;
    await this.close();
    this.outbox?.close();
    this.setOnline(false);
  }

  /** Sends a rule's notify action through this bridge; resolves once it is in the backlog. */
  async notify(payload: Record<string, unknown>): Promise<void> {
    if (!this.#running || !this.outbox) throw new Error(`bridge '${this.id}' is not running`);
    await this.#enqueue(this.encodeNotify(payload));
  }

  status(): BridgeStatus {
    const s = this.outbox?.stats();
    return { id: this.id, type: this.config.type, online: this.#online, backlog: s?.depth ?? 0, dropped: s?.dropped ?? 0, ...this.counts, lastError: this.#lastError };
  }

  /** Reports online/offline once per change. */
  protected setOnline(online: boolean): void {
    if (this.#statusKnown && online === this.#online) return;
    this.#statusKnown = true;
    this.#online = online;
    this.ctx.onStatus(online);
  }

  protected setError(message: string): void {
    this.#lastError = message;
    // A remote that stays down would otherwise log every retry.
    const now = this.ctx.clock.elapsed();
    if (now - this.#lastWarn >= 60_000) {
      this.#lastWarn = now;
      this.log.warn(message);
    }
  }

  /** Called after each delivery settles: the HTTP types are online as long as deliveries work. */
  protected afterDelivery(_err: Error | undefined): void {}

  /** Counts the pace's interval from now: see {@link Pacer.restart}. */
  protected restartPace(): void {
    this.#pacer?.restart(this.ctx.clock.elapsed());
  }

  /** Nothing is sent before `until` (on the bridge's monotonic clock, `clock.elapsed()`). */
  protected pauseUntil(until: number): void {
    this.#pacer?.pause(until);
    this.kick();
  }

  /** Runs the sender now, e.g. after a connect. */
  protected kick(): void {
    this.#schedule(0);
  }

  /** Publishes on the local broker, remembering it so it is never forwarded back. */
  protected async toLocal(topic: string, payload: Buffer, opts: { qos: 0 | 1 | 2; retain: boolean }): Promise<void> {
    this.localEcho.add(topic, payload, this.ctx.clock.elapsed());
    this.counts.received++;
    await this.ctx.publishLocal(topic, payload, opts);
  }

  /** The forward entries; the service subscribes their filters and hands matching messages to {@link fromLocal}. */
  get forwards(): readonly Forward[] {
    return this.config.forward as Forward[];
  }

  /** A local message matching `entry.from`; `retained` is true for a stored message sent on subscribing. */
  fromLocal(entry: Forward, topic: string, payload: Buffer, retained: boolean): void {
    if (!this.#running || !payload.length) return;
    const now = this.ctx.clock.now();
    if (this.localEcho.take(topic, payload, this.ctx.clock.elapsed())) {
      this.counts.looped++;
      return;
    }
    const text = payload.toString('utf8');
    // A retained state sent again on every local reconnect is not news.
    if (retained && this.#lastForwarded.get(topic) === text) return;
    this.#lastForwarded.set(topic, text);
    let rows: Row[];
    try {
      rows = this.encode(entry, localMessage(topic, payload, now));
    } catch (err) {
      this.log.warn(`cannot forward ${topic}: ${(err as Error).message}`);
      return;
    }
    if (!rows.length) this.log.debug(`${topic}: not forwarded (a field the template names is missing)`);
    this.#enqueue(rows).catch((err) => this.log.error(`cannot keep a message for ${topic}: ${(err as Error).message}`));
  }

  async #enqueue(rows: Row[]): Promise<void> {
    if (!rows.length) return;
    await Promise.all(rows.map((r) => this.outbox!.enqueue(r)));
    this.kick();
  }

  /** Runs the sender after `ms` on the bridge's clock; at once (next turn of the loop) for 0. */
  #schedule(ms: number): void {
    if (!this.#running) return;
    if (ms <= 0) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#pump();
      });
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = this.ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, ms);
  }

  #pump(): void {
    const outbox = this.outbox!;
    if (!this.#running || !this.ready) return;
    const now = this.ctx.clock.elapsed();
    if (this.#failed) {
      if (this.#inflight.size) return; // the last one to settle kicks again
      if (now < this.#retryAt) return this.#schedule(this.#retryAt - now);
      this.#failed = false;
      this.#cursor = 0;
    }
    while (this.#inflight.size < this.window) {
      const wait = this.#pacer!.wait(now);
      if (wait > 0) return this.#schedule(wait);
      const rows = outbox.peek(this.batch, this.#cursor, this.#inflight);
      if (!rows.length) return;
      this.#pacer!.take(now);
      this.#cursor = rows[rows.length - 1].id;
      for (const r of rows) this.#inflight.add(r.id);
      let settled: Promise<void>;
      try {
        settled = this.deliver(rows);
      } catch (err) {
        settled = Promise.reject(err);
      }
      settled.then(
        () => this.#delivered(rows),
        (err) => this.#failedDelivery(rows, err as Error),
      );
    }
  }

  /** Resolves when nothing is in flight (a connection can then be renewed without losing order). */
  protected whenIdle(): Promise<void> {
    if (!this.#inflight.size) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #settled(rows: OutboxMessage[]): void {
    for (const r of rows) this.#inflight.delete(r.id);
    if (!this.#inflight.size) for (const fn of this.#idle.splice(0)) fn();
  }

  #delivered(rows: OutboxMessage[]): void {
    this.#settled(rows);
    this.outbox!.ack(rows.map((r) => r.id));
    this.counts.sent += rows.length;
    this.#backoff = 0;
    this.afterDelivery(undefined);
    this.kick();
  }

  #failedDelivery(rows: OutboxMessage[], err: Error): void {
    this.#settled(rows);
    if (!this.#running) return;
    const { min, max } = this.config.retry;
    this.#backoff = this.#backoff ? Math.min(max, this.#backoff * 2) : min;
    this.#retryAt = this.ctx.clock.elapsed() + this.#backoff;
    this.#failed = true;
    this.setError(`delivery failed (retrying in ${this.#backoff} ms): ${err.message}`);
    this.afterDelivery(err);
    this.kick();
  }
}

