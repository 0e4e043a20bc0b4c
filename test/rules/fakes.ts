// Test doubles for the rule engine: a clock whose time only moves when told, and RuleActions
// that record what the engine asked for.
import type { Clock, RuleActions } from '../../src/rules/index.js';
import { ruleSchema } from '../../src/schemes/rule-schema.js';
import type { LoadedRule } from '../../src/schemes/types.js';

/** Lets the engine's setImmediate batches, json-rules-engine's promises and actions run. */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #wallOffset = 0;
  #seq = 0;
  #timers: { id: number; due: number; fn: () => void }[] = [];

  constructor(start: Date | number = Date.UTC(2025, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#now + this.#wallOffset);
  }

  elapsed(): number {
    return this.#now;
  }

  /** Sets the wall clock back or forward by `ms` (NTP, a manual change); timers and elapsed() do not move. */
  stepWall(ms: number): void {
    this.#wallOffset += ms;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.#seq;
    this.#timers.push({ id, due: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time on by `ms`, running each timer that falls due in order and letting the loop settle after each. */
  async advance(ms: number): Promise<void> {
    // Whatever was set going before the call (an evaluation, say) happens at the current time.
    await settle();
    const end = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.#now = next.due;
      this.clearTimeout(next.id);
      next.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

export interface Recorded {
  set: [string, unknown][];
  publish: [string, string, { retain: boolean; qos: 0 | 1 | 2 }][];
  notify: [string, Record<string, unknown>][];
  subscribed: Map<string, (state: Record<string, unknown>) => void>;
  /** Topics of external facts listened to now. */
  watched: Map<string, (payload: Buffer) => void>;
}

/** RuleActions that record every call; `setLocal` can be replaced per test. */
export function fakeActions(setLocal?: RuleActions['setLocal']): RuleActions & { calls: Recorded; firings(id?: string): unknown[] } {
  const calls: Recorded = { set: [], publish: [], notify: [], subscribed: new Map(), watched: new Map() };
  return {
    calls,
    /** The `$rules/<id>` payloads published, parsed. */
    firings: (id?: string) =>
      calls.publish.filter(([topic]) => (id ? topic.endsWith(`/$rules/${id}`) : topic.includes('/$rules/'))).map(([, payload]) => JSON.parse(payload)),
    async setLocal(output, value) {
      calls.set.push([output, value]);
      return setLocal?.(output, value);
    },
    async publish(topic, payload, opts) {
      calls.publish.push([topic, payload, opts]);
    },
    subscribe(topic, handler) {
      calls.subscribed.set(topic, handler);
    },
    watch(topic, handler) {
      calls.watched.set(topic, handler);
      return () => void calls.watched.delete(topic);
    },
    async notify(bridge, payload) {
      calls.notify.push([bridge, payload]);
    },
  };
}

/** A rule as the scheme loader would hand it over: parsed (durations in ms, `when` rooted), with a position. */
export function loadRule(raw: Record<string, unknown>, line = 1): LoadedRule {
  return { ...ruleSchema.parse(raw), file: 'schemes/rules.yaml', line, col: 5 };
}
