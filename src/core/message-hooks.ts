/**
 * Message hooks: plugins that see every message the node receives and publishes, as a broker's
 * interception hooks do. A hook runs after delivery is settled and never holds it up: a hook that
 * throws, rejects or runs past {@link HOOK_LIMIT_MS} is logged and counted, and the message goes on.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

/** What a hook is given. `payload` is the bytes as sent; `ts` is ms since epoch. */
export interface HookMessage {
  topic: string;
  payload: Buffer;
  ts: number;
}

export type HookFn = (msg: HookMessage) => unknown;

/** The hooks one plugin module exports. */
export interface PluginHooks {
  /** The module's file, for the log. */
  source: string;
  onMessageReceived?: HookFn;
  onMessageSent?: HookFn;
}

export const HOOK_LIMIT_MS = 100;

export type HookKind = 'onMessageReceived' | 'onMessageSent';

export class MessageHooks {
  /** Per hook kind: calls, failures (threw or rejected) and slow runs (past the limit). */
  readonly counts: Record<HookKind, { calls: number; errors: number; slow: number }> = {
    onMessageReceived: { calls: 0, errors: 0, slow: 0 },
    onMessageSent: { calls: 0, errors: 0, slow: 0 },
  };

  constructor(
    private readonly plugins: readonly PluginHooks[],
    private readonly log: Logger,
  ) {}

  get empty(): boolean {
    return !this.plugins.some((p) => p.onMessageReceived || p.onMessageSent);
  }

  received(topic: string, payload: Buffer): void {
    this.#run('onMessageReceived', topic, payload);
  }

  sent(topic: string, payload: Buffer): void {
    this.#run('onMessageSent', topic, payload);
  }

  #run(kind: HookKind, topic: string, payload: Buffer): void {
    for (const p of this.plugins) {
      const fn = p[kind];
      if (!fn) continue;
      const counts = this.counts[kind];
      counts.calls++;
      const began = performance.now();
      let result: unknown;
      try {
        result = fn({ topic, payload, ts: Date.now() });
      } catch (err) {
        counts.errors++;
        this.log.warn(`plugin ${p.source}: ${kind} threw on ${topic}: ${(err as Error)?.message ?? String(err)}`);
        continue;
      }
      const took = performance.now() - began;
      if (took > HOOK_LIMIT_MS) {
        counts.slow++;
        this.log.warn(`plugin ${p.source}: ${kind} took ${Math.round(took)} ms on ${topic} (limit ${HOOK_LIMIT_MS} ms); it holds up the node`);
      }
      if (result && typeof (result as Promise<unknown>).then === 'function') this.#watch(p.source, kind, topic, result as Promise<unknown>);
    }
  }

  /** An async hook: counted slow if it has not settled within the limit, and failed if it rejects. */
  #watch(source: string, kind: HookKind, topic: string, promise: Promise<unknown>): void {
    const counts = this.counts[kind];
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      counts.slow++;
      this.log.warn(`plugin ${source}: ${kind} on ${topic} still running after ${HOOK_LIMIT_MS} ms`);
    }, HOOK_LIMIT_MS);
    timer.unref();
    promise.then(
      () => {
        settled = true;
        clearTimeout(timer);
      },
      (err) => {
        settled = true;
        clearTimeout(timer);
        counts.errors++;
        this.log.warn(`plugin ${source}: ${kind} failed on ${topic}: ${(err as Error)?.message ?? String(err)}`);
      },
    );
  }
}
