/**
 * Where readings wait while the outbox cannot write (the disk is full, the data directory went
 * read-only): in memory, bounded, oldest dropped first, and sent live as soon as the broker takes
 * them. A topic that still has readings waiting on disk keeps its turn: its memory readings go
 * after them, so its retained state still ends on the newest reading.
 */
import type { MqttLink } from '../mqtt/link.js';
import type { OutboxMessage } from './outbox.js';

export type Held = Omit<OutboxMessage, 'id'>;

export interface MemoryLaneOptions {
  link: MqttLink;
  /** Bounds on what is held; past them the oldest reading is dropped (and counted). */
  maxMessages: number;
  maxBytes: number;
  /** False while the topic still has readings waiting on disk. */
  mayGo(topic: string): boolean;
  /** Messages in flight at once. */
  window?: number;
}

export class MemoryLane {
  #queue: Held[] = [];
  #bytes = 0;
  #inflight = 0;
  #sent = 0;
  #dropped = 0;

  constructor(private readonly opts: MemoryLaneOptions) {}

  get stats(): { held: number; held_bytes: number; sent: number; dropped: number } {
    return { held: this.#queue.length, held_bytes: this.#bytes, sent: this.#sent, dropped: this.#dropped };
  }

  push(msg: Held): void {
    this.#queue.push(msg);
    this.#bytes += size(msg);
    while (this.#queue.length > this.opts.maxMessages || (this.#bytes > this.opts.maxBytes && this.#queue.length > 1)) {
      this.#bytes -= size(this.#queue.shift()!);
      this.#dropped++;
    }
    this.pump();
  }

  /** Takes everything held (to be written to disk again, oldest first). */
  takeAll(): Held[] {
    const all = this.#queue;
    this.#queue = [];
    this.#bytes = 0;
    return all;
  }

  /** Sends what may go now; call it again on connect and when a topic's disk backlog empties. */
  pump(): void {
    const { link, mayGo } = this.opts;
    const window = this.opts.window ?? 64;
    if (!link.connected) return;
    const blocked = new Set<string>();
    for (let i = 0; i < this.#queue.length && this.#inflight < window; ) {
      const msg = this.#queue[i]!;
      if (blocked.has(msg.topic) || !mayGo(msg.topic)) {
        blocked.add(msg.topic);
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#bytes -= size(msg);
      this.#inflight++;
      link.publish(msg.topic, msg.payload, { qos: msg.qos, retain: msg.retain }).then(
        () => {
          this.#inflight--;
          this.#sent++;
          this.pump();
        },
        () => {
          // The client was ended (shutdown): nothing is kept for a later run, as nothing could be written.
          this.#inflight--;
          this.#dropped++;
        },
      );
    }
  }
}

const size = (m: Held) => Buffer.byteLength(m.topic) + m.payload.length;
