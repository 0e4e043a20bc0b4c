/**
 * Delivers what the outbox holds, in two lanes:
 *
 * - **live**: a reading for a topic with nothing waiting goes out at once, while its row waits in
 *   the outbox for its commit (the outbox's `wireGraceMs`); acknowledged first, it is never written;
 * - **drain**: readings kept while the broker was away (or from before a restart) go out oldest
 *   first, at most `drainRate` per second, while the live lane keeps flowing.
 *
 * A reading for a topic that still has a backlog joins the backlog, so every topic is published in
 * order and its retained state ends as its newest reading. A row leaves the outbox only when the
 * broker has acknowledged it (PUBACK for QoS 1), so delivery is at-least-once: a crash between the
 * PUBACK and the delete can repeat a reading, never lose one.
 *
 * A message in flight when the connection drops stays in flight: mqtt.js keeps unacknowledged QoS 1
 * publishes and sends them again, first thing, after it reconnects. If the process dies instead,
 * the outbox still has those it had committed, and they come back as backlog at the next start;
 * one that died with the process before its commit (at most `wireGraceMs` old) is lost unless
 * the broker had it.
 *
 * The outbox's bound may drop a row that is in flight (the oldest rows go first, and a drained row
 * or one caught by an outage is among them). If the broker then acknowledges it, it was delivered
 * after all, so it does not count as dropped in `stats()`.
 */
import type { Logger } from 'pino';
import type { MqttLink } from '../mqtt/link.js';
import type { Committed, Outbox, OutboxMessage } from './outbox.js';
import { MemoryLane, type Held } from './memory-lane.js';
import { monotonicNow } from '../core/monotonic.js';

export interface DeliveryOptions {
  outbox: Outbox;
  link: MqttLink;
  log: Logger;
  /** Backlog messages per second while draining. */
  drainRate: number;
  /** Backlog messages in flight at once. */
  window?: number;
  /** What may wait in memory while the outbox cannot write (default 10,000 readings, 16 MiB). */
  memory?: { maxMessages: number; maxBytes: number };
  /** Told of a message {@link Delivery.keep} could not keep (shutting down, or the disk retry failed), when it was given no callback. */
  onLost?: (topic: string, err: Error) => void;
  /** Told once when readings start waiting in memory (with why), and once when they are kept on disk again. */
  onStorage?: (change: { storage: 'memory'; reason: string } | { storage: 'disk' }) => void;
}

/** The first retry of a failing disk after this long, doubling up to {@link DISK_RETRY_MAX_MS}. */
const DISK_RETRY_MS = 5_000;
const DISK_RETRY_MAX_MS = 60_000;

export interface DeliveryStats {
  backlog: number;
  backlog_topics: number;
  draining: boolean;
  drain_rate: number;
  drained: number;
  live_sent: number;
  oldest_ts: string | null;
  dropped: number;
  /** `disk` normally; `memory` while the outbox cannot write, with why. */
  storage: 'disk' | 'memory';
  storage_error?: string;
  /** Readings waiting in memory, and those the memory bound dropped. */
  memory_held: number;
  memory_dropped: number;
}

export class Delivery {
  /** Unacknowledged backlog messages per topic. */
  readonly #backlog = new Map<string, number>();
  /** Ids in flight on each lane. */
  readonly #live = new Map<number, string>();
  /** Sends waiting for their outbox commit. */
  #storing = 0;
  /** Readings to go on the wire at the end of this turn, and that turn's callback. */
  #outgoing: OutboxMessage[] = [];
  #outgoingTurn?: NodeJS.Immediate;
  readonly #draining = new Map<number, string>();
  readonly #inflight: ReadonlySet<number> = { has: (id: number) => this.#live.has(id) || this.#draining.has(id) } as ReadonlySet<number>;
  readonly #liveOnly: ReadonlySet<number> = { has: (id: number) => this.#live.has(id) } as ReadonlySet<number>;
  #cursor = 0;
  #tokens = 0;
  #lastRefill = monotonicNow();
  #timer?: NodeJS.Timeout;
  #running = false;
  #drained = 0;
  #liveSent = 0;
  #drainStarted?: { at: number; size: number };
  /** Connections seen: a live send that was in flight across a reconnect is checked against drops. */
  #epoch = 0;
  /** Rows the bound dropped while they were in flight, that the broker then acknowledged. */
  #deliveredAfterDrop = 0;
  /** Why the outbox cannot write, while it cannot; readings then go through {@link #memory}. */
  #diskError?: string;
  #diskRetryMs = DISK_RETRY_MS;
  #diskRetryAt = 0;
  #diskRetrying = false;
  readonly #memory: MemoryLane;

  constructor(private readonly opts: DeliveryOptions) {
    this.#memory = new MemoryLane({
      link: opts.link,
      maxMessages: opts.memory?.maxMessages ?? 10_000,
      maxBytes: opts.memory?.maxBytes ?? 16 * 1024 * 1024,
      mayGo: (topic) => !this.#backlog.has(topic),
    });
  }

  /** Counts what the outbox held at start-up as backlog, then starts delivering on every connect. */
  start(): void {
    this.#running = true;
    let after = 0;
    for (;;) {
      const rows = this.opts.outbox.peek(10_000, after);
      if (!rows.length) break;
      for (const row of rows) this.#addBacklog(row.topic);
      after = rows[rows.length - 1].id;
    }
    const waiting = this.#total();
    if (waiting) this.opts.log.info(`outbox: ${waiting} reading(s) kept from before are waiting to be sent`);
    this.opts.link.onConnect(() => this.#connected());
    if (this.opts.link.connected) this.#connected();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    // What has not gone out yet is in the outbox: it goes at the next start.
    clearImmediate(this.#outgoingTurn);
    this.#outgoingTurn = undefined;
    this.#outgoing = [];
  }

  /**
   * Keeps `msg` durably and sends it on the right lane. Resolves once it is on disk (or
   * acknowledged before its commit came), or, while the outbox cannot write, once it waits in memory.
   *
   * A message whose topic has no backlog goes on the wire at once, while it waits for its group
   * commit, and leaves the outbox only on its PUBACK, so delivery stays at-least-once. A PUBACK
   * that comes before the commit means the row is never written at all: at a thousand readings a
   * second on a near broker, most readings cost no insert and no delete. Its commit comes within
   * the outbox's `wireGraceMs` (100 ms), so a crash or power cut loses at most that long of
   * readings the broker has not acknowledged.
   *
   * `now` (an output's new state, which someone who just sent `/set` is waiting to see) is
   * committed on the next turn when it cannot go at once (offline, or its topic has a backlog),
   * instead of waiting for the group commit's window.
   */
  send(msg: Omit<OutboxMessage, 'id'>, opts: { now?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) => this.keep(msg, opts.now === true, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * {@link send} without a promise, for the readings themselves. `done`, when given, is told once:
   * with no error when `msg` is on disk, acknowledged, or waits in memory, or with the error when
   * it could not be kept. Without it, a message that could not be kept goes to `onLost`, and a
   * thousand readings a second cost no callback each.
   */
  keep(msg: Omit<OutboxMessage, 'id'>, now: boolean, done?: (err: Error | null) => void): void {
    if (this.#diskError !== undefined) {
      if (this.#diskRetrying || monotonicNow() < this.#diskRetryAt) {
        this.#memory.push(msg);
        return done?.(null);
      }
      return void this.#diskAgain(msg).then(
        () => done?.(null),
        (err: Error) => this.#lost(msg, err, done),
      );
    }
    this.#storing++;
    // On the wire at once, it needs no commit of its own: it rides the next commit, at most the
    // grace away, so no fsync is on the event loop when the next command arrives. One that cannot
    // go yet (offline, or its topic has a backlog) is routed once it is committed.
    const early = this.opts.link.connected && !this.#backlog.has(msg.topic);
    const committed: Committed = done ? (err, row) => this.#committed(err, row, early, done) : early ? this.#wireCommitted : this.#heldCommitted;
    let row: OutboxMessage;
    try {
      row = this.opts.outbox.add(msg, early ? 'wire' : now ? 'now' : 'soon', committed);
    } catch (err) {
      this.#storing--;
      return this.#notKept(err as Error, msg, early, done);
    }
    if (!early) return;
    if (now) return this.#sendLive(row);
    // Readings go out together once per turn of the event loop: the thousand a node may read at
    // the top of a second share a few writes to the socket instead of one each.
    this.#outgoing.push(row);
    this.#outgoingTurn ??= setImmediate(this.#sendOutgoing);
  }

  readonly #wireCommitted: Committed = (err, row) => this.#committed(err, row, true);
  readonly #heldCommitted: Committed = (err, row) => this.#committed(err, row, false);

  #committed(err: Error | null, row: OutboxMessage, early: boolean, done?: (err: Error | null) => void): void {
    this.#storing--;
    if (err) return this.#notKept(err, row, early, done);
    if (!early) this.#route(row);
    done?.(null);
  }

  readonly #sendOutgoing = (): void => {
    this.#outgoingTurn = undefined;
    const rows = this.#outgoing;
    this.#outgoing = [];
    for (const row of rows) this.#sendLive(row);
  };

  /** The outbox could not take `msg`: it waits in memory, unless it is already on the wire or we are shutting down. */
  #notKept(err: Error, msg: Held, early: boolean, done?: (err: Error | null) => void): void {
    if (!this.#running) return this.#lost(msg, err, done); // shutting down: the outbox is closed, not the disk full
    this.#toMemory(err);
    // Already on the wire: mqtt.js holds it until its PUBACK.
    if (!early) this.#memory.push(msg);
    done?.(null);
  }

  #lost(msg: Held, err: Error, done?: (err: Error | null) => void): void {
    if (done) done(err);
    else this.opts.onLost?.(msg.topic, err);
  }

  #route(row: OutboxMessage): void {
    if (this.opts.link.connected && !this.#backlog.has(row.topic)) this.#sendLive(row);
    else {
      this.#addBacklog(row.topic);
      this.#kick(0);
    }
  }

  /**
   * Resolves once everything handed over so far on the live lane has been acknowledged, or after
   * `timeoutMs`, or at once when offline. The agent waits for it before `status online`, so the
   * states it restored reach the broker before anyone is told the node is up.
   */
  async settled(timeoutMs = 2_000): Promise<void> {
    const deadline = monotonicNow() + timeoutMs;
    while ((this.#storing > 0 || this.#live.size > 0 || this.#outgoing.length > 0) && this.opts.link.connected && monotonicNow() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  stats(): DeliveryStats {
    const s = this.opts.outbox.stats();
    return {
      backlog: this.#total(),
      backlog_topics: this.#backlog.size,
      draining: this.#total() > 0 && this.opts.link.connected,
      drain_rate: this.opts.drainRate,
      drained: this.#drained,
      live_sent: this.#liveSent,
      // Of the backlog: a live reading on the wire for a millisecond is not waiting, and would
      // show a fresh ts next to `backlog: 0`.
      oldest_ts: s.oldestTs === null || this.#total() === 0 ? null : new Date(s.oldestTs).toISOString(),
      dropped: s.dropped - this.#deliveredAfterDrop,
      storage: this.#diskError === undefined ? 'disk' : 'memory',
      ...(this.#diskError !== undefined ? { storage_error: this.#diskError } : {}),
      memory_held: this.#memory.stats.held,
      memory_dropped: this.#memory.stats.dropped,
    };
  }

  #sendLive(row: OutboxMessage): void {
    this.#live.set(row.id, row.topic);
    const epoch = this.#epoch;
    const drops = this.opts.outbox.dropsSinceOpen;
    this.opts.link.send(row.topic, row.payload, { qos: row.qos, retain: row.retain }, (err) => {
      if (err) {
        // mqtt.js gave up on it (the client was ended): still in the outbox, so it joins the backlog.
        if (this.#live.delete(row.id)) this.#addBacklog(row.topic);
        this.#cursor = 0;
        return;
      }
      this.#live.delete(row.id);
      // The bound dropped rows while it was in flight (it goes on the wire before its commit, so
      // even its own commit may have dropped it), or mqtt.js sent it again after a reconnect: if
      // it was one of them, it was delivered after all.
      if (drops !== this.opts.outbox.dropsSinceOpen || epoch !== this.#epoch) this.#countIfDropped(row.id);
      this.opts.outbox.ack([row.id]);
      this.#liveSent++;
    });
  }

  /** The outbox failed to write: readings go on live, and wait in memory, until it can write again. */
  #toMemory(err: Error): void {
    if (this.#diskError !== undefined) return;
    this.#diskError = err.message;
    this.#diskRetryMs = DISK_RETRY_MS;
    this.#diskRetryAt = monotonicNow() + this.#diskRetryMs;
    const { maxMessages } = this.opts.memory ?? { maxMessages: 10_000 };
    this.opts.log.error(
      `outbox: cannot write (${err.message}); readings go out live and wait in memory (at most ${maxMessages}, oldest dropped first) until it can write again`,
    );
    this.opts.onStorage?.({ storage: 'memory', reason: err.message });
  }

  /** Tries the disk again with what waits in memory (oldest first) and `msg`; what does not fit stays in memory. */
  async #diskAgain(msg: Held): Promise<void> {
    this.#diskRetrying = true;
    const all = [...this.#memory.takeAll(), msg];
    const results = await Promise.allSettled(all.map((m) => this.opts.outbox.enqueue(m)));
    this.#diskRetrying = false;
    let failed: Error | undefined;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        this.#addBacklog(r.value.topic);
      } else {
        failed ??= r.reason as Error;
        this.#memory.push(all[i]!);
      }
    });
    this.#kick(0);
    if (failed) {
      this.#diskRetryMs = Math.min(DISK_RETRY_MAX_MS, this.#diskRetryMs * 2);
      this.#diskRetryAt = monotonicNow() + this.#diskRetryMs;
      return;
    }
    this.#diskError = undefined;
    this.opts.log.info(`outbox: writing to disk again; ${all.length} reading(s) that waited in memory are kept there now`);
    this.opts.onStorage?.({ storage: 'disk' });
  }

  #connected(): void {
    this.#memory.pump();
    this.#epoch++;
    this.#lastRefill = monotonicNow();
    this.#tokens = 0;
    this.#kick(0);
  }

  #kick(delay: number): void {
    if (!this.#running || this.#timer || !this.opts.link.connected) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, delay);
  }

  #drain(): void {
    const { outbox, link, drainRate } = this.opts;
    const window = this.opts.window ?? 64;
    if (!link.connected || this.#total() === 0) return;
    if (!this.#drainStarted) this.#drainStarted = { at: monotonicNow(), size: this.#total() };
    const now = monotonicNow();
    this.#tokens = Math.min(drainRate, this.#tokens + ((now - this.#lastRefill) / 1000) * drainRate);
    this.#lastRefill = now;
    const room = Math.min(Math.floor(this.#tokens), window - this.#draining.size);
    if (room > 0) {
      const rows = outbox.peek(room, this.#cursor, this.#inflight);
      if (rows.length === 0 && this.#draining.size === 0) {
        // The cursor reached the end while topics still count a backlog: a send that mqtt.js gave
        // up on lies behind it, or the bound dropped rows. Go round once more, then recount.
        if (this.#cursor === 0) return this.#recount();
        this.#cursor = 0;
        return this.#kick(0);
      }
      for (const row of rows) {
        this.#cursor = row.id;
        this.#tokens--;
        this.#draining.set(row.id, row.topic);
        link.publish(row.topic, row.payload, { qos: row.qos, retain: row.retain }).then(
          () => this.#drainAcked(row),
          () => {
            this.#draining.delete(row.id);
            this.#cursor = 0;
          },
        );
      }
    }
    // Come back when a token is due, or when the window frees up (acks call #kick too).
    this.#kick(Math.max(1, Math.ceil(1000 / drainRate)));
  }

  #drainAcked(row: OutboxMessage): void {
    if (!this.#draining.delete(row.id)) return;
    this.#countIfDropped(row.id);
    this.opts.outbox.ack([row.id]);
    this.#drained++;
    const left = (this.#backlog.get(row.topic) ?? 1) - 1;
    if (left > 0) this.#backlog.set(row.topic, left);
    else {
      this.#backlog.delete(row.topic);
      // Readings of this topic that waited in memory may go now.
      this.#memory.pump();
    }
    if (this.#total() === 0 && this.#drainStarted) {
      const secs = (monotonicNow() - this.#drainStarted.at) / 1000;
      this.opts.log.info(`outbox: drained ${this.#drainStarted.size} reading(s) in ${secs.toFixed(1)} s`);
      this.#drainStarted = undefined;
    }
  }

  /** Before the ack: a row the bound dropped while it was in flight was delivered, not lost. */
  #countIfDropped(id: number): void {
    try {
      if (this.opts.outbox.peek(1, id - 1)[0]?.id !== id) this.#deliveredAfterDrop++;
    } catch {
      // A PUBACK after shutdown closed the outbox: nothing is counted any more.
    }
  }

  /** Rebuilds the per-topic counts from the outbox itself, e.g. after the bound dropped rows. */
  #recount(): void {
    this.#backlog.clear();
    let after = 0;
    for (;;) {
      const rows = this.opts.outbox.peek(10_000, after, this.#liveOnly);
      if (!rows.length) break;
      for (const row of rows) this.#addBacklog(row.topic);
      after = rows[rows.length - 1].id;
    }
    if (this.#total()) this.#kick(0);
  }

  #addBacklog(topic: string): void {
    this.#backlog.set(topic, (this.#backlog.get(topic) ?? 0) + 1);
  }

  #total(): number {
    let n = 0;
    for (const c of this.#backlog.values()) n += c;
    return n;
  }
}
