/**
 * Loop protection: the messages a bridge itself put on one side recently, so that seeing them
 * come back on that side does not send them across again. Each entry is consumed once and
 * expires after `ttlMs`; the memory holds at most `max` entries.
 */
import { createHash } from 'node:crypto';

export class EchoMemory {
  readonly #entries = new Map<string, { count: number; expires: number }>();

  constructor(private readonly ttlMs = 30_000, private readonly max = 10_000) {}

  /** Remembers that `payload` was put on `topic` at `now`. */
  add(topic: string, payload: Buffer | string, now: number): void {
    const key = keyOf(topic, payload);
    const e = this.#entries.get(key);
    if (e) {
      e.count++;
      e.expires = now + this.ttlMs;
      return;
    }
    if (this.#entries.size >= this.max) this.#sweep(now, true);
    this.#entries.set(key, { count: 1, expires: now + this.ttlMs });
  }

  /** True (and forgets one) when `payload` on `topic` is one of ours coming back. */
  take(topic: string, payload: Buffer | string, now: number): boolean {
    if (!this.#entries.size) return false;
    const key = keyOf(topic, payload);
    const e = this.#entries.get(key);
    if (!e) return false;
    if (e.expires < now) {
      this.#entries.delete(key);
      return false;
    }
    if (--e.count === 0) this.#entries.delete(key);
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(now: number, full: boolean): void {
    for (const [k, e] of this.#entries) if (e.expires < now) this.#entries.delete(k);
    // Still full of live entries: the oldest go, as a Map iterates in insertion order.
    if (full) for (const k of this.#entries.keys()) {
      if (this.#entries.size < this.max) break;
      this.#entries.delete(k);
    }
  }
}

function keyOf(topic: string, payload: Buffer | string): string {
  const buf = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return `${topic}\0${buf.length > 64 ? createHash('sha1').update(buf).digest('base64') : buf.toString('base64')}`;
}
