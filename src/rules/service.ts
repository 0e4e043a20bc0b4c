/**
 * The rules as a service: builds a {@link RuleEngine} over the node's own paths (outputs through
 * the scheme runtime, publishes through the publisher, remote facts through the link), and builds
 * it again when a reload brings other rules.
 *
 * It keeps the latest state of every local scheme and of every remote fact for its whole life. A
 * new engine starts from them: an output's state and another node's retained state are not sent
 * again until they change, so without them rules on those facts would stay unknown, and a rule
 * that had fired `then` would never fire its `else`.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import type { Service } from '../core/service.js';
import type { Topics } from '../core/topics.js';
import type { LoadedRule } from '../schemes/loader.js';
import type { MessageHandler, MqttLink } from '../mqtt/link.js';
import { parseSetPayload } from '../core/set-payload.js';
import { MAX_PAYLOAD_BYTES } from '../core/limits.js';
import { RuleEngine } from './engine.js';
import type { RuleInfo } from './running-rule.js';

/** Where the rules' enables and disables made at run time are kept. */
export interface RuleOverrides {
  overrides(): { disabled: { rules: string[] }; enabled: { rules: string[] } };
  setEnabled(kind: 'rule', id: string, enabled: boolean): void;
}

export interface RulesServiceContext {
  topics: Topics;
  bus: EventBus;
  log: Logger;
  link: MqttLink;
  store: RuleOverrides;
  /** Sends a command to a local output, as `…/set` does. */
  command(id: string, command: Record<string, unknown>): Promise<Reading>;
  /** Publishes a rule's `publish` action. */
  publish(msg: { topic: string; payload: string; retain: boolean; qos: 0 | 1 | 2 }): Promise<void>;
  /** The rules' `notify` action: hands the payload to a bridge. */
  notify(bridge: string, payload: Record<string, unknown>): Promise<void>;
}

export class RulesService implements Service {
  readonly name = 'rules';
  #engine?: RuleEngine;
  #rules?: string;
  /** The latest local states as they came, made into facts only when an engine is built. */
  readonly #local = new Map<string, { state: Record<string, unknown>; ts: Date }>();
  /** Remote fact topic → the current engine's handler, and the last state seen on it. */
  readonly #remote = new Map<string, { handler?: (state: Record<string, unknown>) => void; last?: Record<string, unknown>; fn: MessageHandler }>();

  constructor(private readonly ctx: RulesServiceContext) {}

  async start(): Promise<void> {
    // Registered before any engine listens, so it is never behind one.
    this.ctx.bus.on('state', this, (e) => {
      // Updated in place: an input read every second makes no new entry each time.
      const local = this.#local.get(e.id);
      if (local) {
        local.state = e.state;
        local.ts = e.ts;
      } else this.#local.set(e.id, { state: e.state, ts: e.ts });
    });
  }

  async stop(): Promise<void> {
    await this.#engine?.stop();
    this.#engine = undefined;
    this.#rules = undefined;
    this.ctx.bus.off(this);
    for (const { fn } of this.#remote.values()) this.ctx.link.unsubscribe(fn);
    this.#remote.clear();
  }

  /** Runs `rules` from now on; an unchanged set keeps its engine (and its timers and firings). */
  async apply(rules: LoadedRule[]): Promise<void> {
    const key = JSON.stringify(rules);
    if (this.#engine && key === this.#rules) return;
    await this.#engine?.stop();
    this.#rules = key;
    this.#engine = this.#create(rules);
    await this.#engine.start();
  }

  has(id: string): boolean {
    return this.#engine?.has(id) ?? false;
  }

  /** Enables or disables a rule; the choice survives restarts. */
  setEnabled(id: string, enabled: boolean): void {
    if (!this.#engine?.has(id)) throw new Error(`no rule '${id}' on this node`);
    this.#engine.setEnabled(id, enabled);
    this.ctx.store.setEnabled('rule', id, enabled);
    this.ctx.log.info(`rule ${id}: ${enabled ? 'enabled' : 'disabled'}`);
  }

  /** The rules and their last firings. */
  list(): RuleInfo[] {
    return this.#engine?.list() ?? [];
  }

  #create(rules: LoadedRule[]): RuleEngine {
    const { topics, bus, log, store } = this.ctx;
    const overrides = store.overrides();
    const engine = new RuleEngine({
      rules,
      node: topics.node,
      base: topics.base,
      bus,
      log: log.child({ service: 'rules' }),
      disabled: overrides.disabled.rules,
      enabled: overrides.enabled.rules,
      actions: {
        setLocal: (output, value) => {
          // The same path as `…/set`: a rule's value is a payload like any other.
          const parsed = parseSetPayload(typeof value === 'string' ? value : JSON.stringify(value));
          if (!parsed.ok) return Promise.reject(new Error(parsed.error));
          return this.ctx.command(output, parsed.command);
        },
        publish: (topic, payload, { retain, qos }) => this.ctx.publish({ topic, payload, retain, qos }),
        subscribe: (topic, handler) => this.#subscribe(topic, handler),
        watch: (topic, handler) => {
          // Its own handler per engine: unsubscribing when the engine stops drops the topic if no other engine reads it.
          const fn: MessageHandler = (_t, payload) => handler(payload);
          this.ctx.link.subscribe(topic, fn);
          return () => this.ctx.link.unsubscribe(fn);
        },
        notify: (bridge, payload) => this.ctx.notify(bridge, payload),
      },
    });
    // What the last engine knew; start() evaluates every rule on it.
    for (const [id, { state, ts }] of this.#local) engine.setFact(id, { ...state, ts: ts.toISOString() });
    return engine;
  }

  /** One subscription per remote topic for the service's life; each new engine takes over its handler. */
  #subscribe(topic: string, handler: (state: Record<string, unknown>) => void): void {
    const known = this.#remote.get(topic);
    if (known) {
      known.handler = handler;
      // The broker will not send the retained state again: hand over the last one seen.
      if (known.last) handler(known.last);
      return;
    }
    const entry: { handler?: (state: Record<string, unknown>) => void; last?: Record<string, unknown>; fn: MessageHandler } = {
      handler,
      fn: (_t, payload) => {
        if (payload.length > MAX_PAYLOAD_BYTES) return; // no state of ours is that large: not a fact
        try {
          const value = JSON.parse(payload.toString('utf8'));
          if (value && typeof value === 'object' && !Array.isArray(value)) {
            entry.last = value;
            entry.handler?.(value);
          }
        } catch {
          // Not a state JSON (an empty retained clear, say): not a fact.
        }
      },
    };
    this.#remote.set(topic, entry);
    this.ctx.link.subscribe(topic, entry.fn);
  }
}
