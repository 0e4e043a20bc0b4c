/**
 * The rule engine (README "Scheme files"): keeps the facts (the latest state JSON of local schemes from
 * the bus, and of other nodes' schemes from MQTT), evaluates the rules that read a fact when it
 * changes, and carries out their firings through {@link RuleActions}.
 *
 * Evaluations are coalesced: a fact change marks its rules dirty, and one `setImmediate` later
 * each dirty rule is evaluated once, whatever number of facts changed meanwhile. An action that
 * changes its own rule's fact therefore comes back at the earliest one event-loop turn later,
 * and loop damping (see {@link RunningRule}) stops it after a burst.
 */
import { loadConditionEngine } from './condition.js';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import { topicsFor, type Topics } from '../core/topics.js';
import type { LoadedRule } from '../schemes/types.js';
import { describeAction, runAction, type RuleActions } from './actions.js';
import { TemplateError } from '../core/template.js';
import { JSONPath } from 'jsonpath-plus';
import { excerpt, formatBytes, MAX_EXTERNAL_FACTS, MAX_FACT_PAYLOAD_BYTES } from '../core/limits.js';
import { displayPath } from '../yaml/problem.js';
import { systemClock, type Clock } from '../core/clock.js';
import { DEFAULT_DAMPING, RunningRule, type Damping, type Firing, type RuleInfo } from './running-rule.js';

/** Fact keys of external facts start with this; no scheme id or N/S can. */
const EXTERNAL = '@';

type ExternalFact = NonNullable<LoadedRule['facts']>[string];

/** One key per topic, path and format: two rules reading the same thing share it. */
function externalKey(f: ExternalFact): string {
  return EXTERNAL + JSON.stringify([f.topic, f.path ?? null, f.format]);
}

/** The value of an external fact in a payload, or why there is none. */
export function externalValue(fact: ExternalFact, payload: Buffer): { value: unknown } | { problem: string } {
  if (payload.length > MAX_FACT_PAYLOAD_BYTES) return { problem: `payload of ${payload.length} bytes is over the limit of ${formatBytes(MAX_FACT_PAYLOAD_BYTES)} for a fact` };
  const text = payload.toString('utf8');
  if (fact.format === 'text') return { value: text };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `the payload is not JSON (${JSON.stringify(excerpt(text, 40))}); for a plain value such as ON, declare the fact with format: text` };
  }
  if (!fact.path) return { value: json };
  if (json === null || typeof json !== 'object') return { problem: `expected a JSON object or list to find ${fact.path} in, got ${excerpt(text, 40)}` };
  const matches = JSONPath({ path: fact.path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
  if (matches.length === 0) return { problem: `the payload has nothing at ${fact.path}` };
  return { value: matches.length === 1 ? matches[0] : matches };
}

/**
 * What the engine knows of a fact: its state JSON and the key its values compare by, or, for a
 * local state no rule reads, the state as it came and its time, made into the JSON when asked for.
 */
interface Fact {
  state?: unknown;
  key?: string;
  raw?: Record<string, unknown>;
  ts?: Date;
}

function stateOf(fact: Fact): unknown {
  if (fact.raw) {
    fact.state = { ...fact.raw, ts: fact.ts!.toISOString() };
    fact.raw = undefined;
  }
  return fact.state;
}

export interface RuleEngineOptions {
  rules: LoadedRule[];
  /** This node's id: facts and outputs named `<node>/S` are local. */
  node: string;
  /** The base topic, B. */
  base: string;
  bus: EventBus;
  log: Logger;
  actions: RuleActions;
  /** Rule ids disabled at run time before a restart (the state store's overrides). */
  disabled?: Iterable<string>;
  /** Rule ids enabled at run time although their file says `enabled: false`. */
  enabled?: Iterable<string>;
  /** Time and timers; a fake one in tests. */
  clock?: Clock;
  damping?: Partial<Damping>;
  /** How long stop() waits for running actions, in ms. */
  stopWaitMs?: number;
}

export class RuleEngine {
  readonly #opts: RuleEngineOptions;
  readonly #topics: Topics;
  readonly #clock: Clock;
  readonly #rules = new Map<string, RunningRule>();
  /** Fact name → rules that read it. */
  readonly #readers = new Map<string, RunningRule[]>();
  /** Fact name → state JSON (any JSON value for an external fact), and the same without `ts` to spot repeats. */
  readonly #facts = new Map<string, Fact>();
  /** External fact key → where it comes from (README "Rules": facts from any topic). */
  readonly #external = new Map<string, ExternalFact>();
  /** Rule id → its fact names → external fact keys, for its templates. */
  readonly #declared = new Map<string, Map<string, string>>();
  /** External fact key → the problem last reported for it, so each is reported once. */
  readonly #factProblems = new Map<string, string>();
  /** Unsubscribes from the external facts' topics. */
  #unwatch: (() => void)[] = [];
  readonly #dirty = new Set<RunningRule>();
  #batch?: NodeJS.Immediate;
  #running = false;
  /** Bumped at each start, so MQTT handlers from an earlier run (they cannot be removed) go quiet. */
  #generation = 0;
  /** `<node>/`: a fact name with it is a local one. */
  readonly #localPrefix: string;

  /** Builds the rules; no timers, listeners or subscriptions until {@link start}. */
  constructor(opts: RuleEngineOptions) {
    this.#opts = opts;
    this.#localPrefix = `${opts.node}/`;
    this.#topics = topicsFor(opts.base, opts.node);
    this.#clock = opts.clock ?? systemClock;
    const damping = { ...DEFAULT_DAMPING, ...opts.damping };
    const disabled = new Set(opts.disabled ?? []);
    const enabled = new Set(opts.enabled ?? []);
    for (const rule of opts.rules) {
      const declared = new Map<string, string>();
      for (const [name, fact] of Object.entries(rule.facts ?? {})) {
        const key = externalKey(fact);
        declared.set(name, key);
        this.#external.set(key, fact);
      }
      this.#declared.set(rule.id, declared);
      const running = new RunningRule(rule, {
        clock: this.#clock,
        damping,
        // A name the rule declares under `facts:` is that topic's fact, even where a scheme has the same id.
        factName: (name) => declared.get(name) ?? this.#factName(name),
        execute: (r, which) => this.#execute(r, which),
        paused: (r, firings) => this.#paused(r, firings, damping),
        resumed: (r) => this.#markDirty(r),
      });
      if (disabled.has(rule.id)) running.enabled = false;
      if (enabled.has(rule.id)) running.enabled = true;
      this.#rules.set(rule.id, running);
      for (const fact of running.facts) this.#readers.set(fact, [...(this.#readers.get(fact) ?? []), running]);
    }
  }

  /** Listens for local states, subscribes to remote ones, starts schedules, and evaluates every rule once. */
  async start(): Promise<void> {
    if (this.#running) return;
    if (this.#rules.size) await loadConditionEngine();
    this.#running = true;
    const generation = ++this.#generation;
    const { bus, actions, node } = this.#opts;
    bus.on('state', this, (e) => {
      const name = this.#factName(e.id);
      // A state no rule reads is kept as it came, and made into a fact only if a template asks for
      // it: a node reads far more states than its rules do (1,000 inputs a second, no rules).
      if (this.#readers.has(name)) return this.setFact(name, { ...e.state, ts: e.ts.toISOString() });
      const fact = this.#facts.get(name);
      if (fact && fact.key === undefined) {
        // Updated in place, as it came: no new fact for every reading.
        fact.raw = e.state;
        fact.ts = e.ts;
        fact.state = undefined;
      } else this.#facts.set(name, { raw: e.state, ts: e.ts });
    });
    this.#watchExternal(generation);
    for (const fact of this.#readers.keys()) {
      const slash = fact.indexOf('/');
      if (slash < 0 || fact.startsWith(EXTERNAL)) continue;
      const [other, id] = [fact.slice(0, slash), fact.slice(slash + 1)];
      if (other === node) continue;
      actions.subscribe(this.#topics.remoteState(other, id), (state) => {
        if (this.#running && generation === this.#generation) this.setFact(fact, state);
      });
    }
    for (const rule of this.#rules.values()) {
      if (!rule.enabled) continue;
      rule.arm();
      this.#markDirty(rule);
    }
    const remote = [...this.#readers.keys()].filter((f) => f.includes('/') && !f.startsWith(EXTERNAL));
    const topics = [...new Set([...this.#external.values()].map((f) => f.topic))];
    this.#opts.log.info(
      `rules: ${this.#rules.size} rule(s) started` + (remote.length ? `; remote facts: ${remote.join(', ')}` : '') + (topics.length ? `; facts from topics: ${topics.join(', ')}` : ''),
    );
  }

  /** Clears timers, schedules and listeners, and waits (a bounded time) for running actions. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#opts.bus.off(this);
    // The topics of external facts are listened to only while their rules are loaded.
    for (const unwatch of this.#unwatch) unwatch();
    this.#unwatch = [];
    if (this.#batch) clearImmediate(this.#batch);
    this.#batch = undefined;
    this.#dirty.clear();
    for (const rule of this.#rules.values()) rule.disarm();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#rules.values()].map((r) => r.queue)),
      new Promise((resolve) => (timer = setTimeout(resolve, this.#opts.stopWaitMs ?? 2_000))),
    ]);
    clearTimeout(timer);
  }

  has(id: string): boolean {
    return this.#rules.has(id);
  }

  /** Every rule with its state, last firing and schedule, in file order. */
  list(): RuleInfo[] {
    return [...this.#rules.values()].map((r) => r.info());
  }

  /** Enables or disables a rule at run time. Throws for an unknown id. */
  setEnabled(id: string, enabled: boolean): void {
    const rule = this.#rules.get(id);
    if (!rule) throw new Error(`no rule '${id}' on this node; rules: ${[...this.#rules.keys()].join(', ') || 'none'}`);
    if (rule.enabled === enabled) return;
    rule.enabled = enabled;
    this.#opts.log.info(`rule ${id}: ${enabled ? 'enabled' : 'disabled'}`);
    if (!enabled) return rule.disarm();
    if (!this.#running) return;
    rule.arm();
    this.#markDirty(rule);
  }

  /**
   * Sets a fact: a local scheme id or `N/S`, and its state JSON. The engine feeds itself from
   * the bus and its subscriptions; the agent may call this to seed states it already has.
   */
  setFact(name: string, state: Record<string, unknown>): void {
    const fact = this.#factName(name);
    const { ts: _ts, ...rest } = state;
    const key = JSON.stringify(rest);
    const previous = this.#facts.get(fact);
    this.#facts.set(fact, { state, key });
    // A repeat of the same values (a 10 Hz input that did not change) cannot change any rule.
    if (previous?.key === key) return;
    for (const rule of this.#readers.get(fact) ?? []) this.#markDirty(rule);
  }

  /** Subscribes to the topic of every external fact, up to the limit. */
  #watchExternal(generation: number): void {
    const byTopic = new Map<string, string[]>();
    for (const [key, fact] of this.#external) byTopic.set(fact.topic, [...(byTopic.get(fact.topic) ?? []), key]);
    let count = 0;
    for (const [topic, keys] of byTopic) {
      if (++count > MAX_EXTERNAL_FACTS) {
        this.#factProblem(keys[0]!, topic, `not listened to: the rules of this node read facts from more than ${MAX_EXTERNAL_FACTS} topics`);
        continue;
      }
      this.#unwatch.push(
        this.#opts.actions.watch(topic, (payload) => {
          if (this.#running && generation === this.#generation) for (const key of keys) this.#externalMessage(key, topic, payload);
        }),
      );
    }
  }

  /** A message on an external fact's topic: its value, or a problem named by the topic. The rules carry on either way. */
  #externalMessage(key: string, topic: string, payload: Buffer): void {
    const fact = this.#external.get(key)!;
    if (payload.length === 0) {
      // A retained value cleared: nothing is known, and nothing is wrong.
      if (this.#facts.delete(key)) for (const rule of this.#readers.get(key) ?? []) this.#markDirty(rule);
      return;
    }
    const value = externalValue(fact, payload);
    if ('problem' in value) {
      this.#factProblem(key, topic, value.problem);
      // What the fact was is no longer known: its rules go to unknown rather than act on a stale value.
      if (this.#facts.delete(key)) for (const rule of this.#readers.get(key) ?? []) this.#markDirty(rule);
      return;
    }
    if (this.#factProblems.delete(key)) this.#opts.log.info(`rules: fact on ${topic}${fact.path ? ` at ${fact.path}` : ''} has a value again`);
    const text = JSON.stringify(value.value);
    if (this.#facts.get(key)?.key === text) return;
    this.#facts.set(key, { state: value.value, key: text });
    for (const rule of this.#readers.get(key) ?? []) this.#markDirty(rule);
  }

  #factProblem(key: string, topic: string, problem: string): void {
    const fact = this.#external.get(key);
    const users = [...this.#declared].filter(([, names]) => [...names.values()].includes(key)).map(([id]) => id);
    const error = `fact on ${topic}${fact?.path ? ` at ${fact.path}` : ''} (rule ${users.join(', ')}): ${problem}`;
    if (this.#factProblems.get(key) === error) return;
    this.#factProblems.set(key, error);
    this.#opts.log.warn(error);
    this.#opts.bus.emit('error', { topic, error });
  }

  #factName(name: string): string {
    const prefix = this.#localPrefix;
    return name.startsWith(prefix) ? name.slice(prefix.length) : name;
  }

  #markDirty(rule: RunningRule): void {
    if (!this.#running || !rule.evaluator) return;
    this.#dirty.add(rule);
    this.#batch ??= setImmediate(() => {
      this.#batch = undefined;
      const batch = [...this.#dirty];
      this.#dirty.clear();
      for (const r of batch) void this.#evaluate(r);
    });
  }

  async #evaluate(rule: RunningRule): Promise<void> {
    if (!rule.enabled || !rule.evaluator) return;
    // One evaluation at a time per rule, so results can never arrive out of order.
    if (rule.evaluating) {
      rule.again = true;
      return;
    }
    rule.evaluating = true;
    const facts: Record<string, unknown> = {};
    for (const name of rule.facts) {
      const fact = this.#facts.get(name);
      if (fact) facts[name] = stateOf(fact);
    }
    let truth: boolean | undefined;
    let failed = false;
    try {
      truth = await rule.evaluator.evaluate(facts);
      rule.conditionError = undefined;
    } catch (err) {
      // Reported once, not at every reading; the rule keeps its last result meanwhile.
      failed = true;
      const message = `${rule.id}: condition: ${(err as Error).message}`;
      if (rule.conditionError !== message) this.#error(rule, message);
      rule.conditionError = message;
    } finally {
      rule.evaluating = false;
    }
    if (!this.#running) return;
    if (!failed) rule.update(truth);
    if (rule.again) {
      rule.again = false;
      this.#markDirty(rule);
    }
  }

  #execute(rule: RunningRule, which: Firing): void {
    const { actions, log } = this.#opts;
    const ts = rule.lastFired!.ts;
    log.info(`rule ${rule.id}: ${which}`);
    actions
      .publish(this.#topics.rule(rule.id), JSON.stringify({ fired: which, ts }), { retain: false, qos: 1 })
      .catch((err) => log.warn(`rule ${rule.id}: cannot publish the firing: ${(err as Error).message}`));
    const list = (which === 'then' ? rule.rule.then : rule.rule.else) ?? [];
    const scope = () => {
      const out: Record<string, unknown> = {};
      for (const [name, fact] of this.#facts) if (!name.startsWith(EXTERNAL)) out[name] = stateOf(fact);
      for (const [name, key] of this.#declared.get(rule.id) ?? []) {
        const fact = this.#facts.get(key);
        out[name] = fact && stateOf(fact);
      }
      return { ...out, rule: { id: rule.id, fired: which }, node: this.#opts.node, now: this.#clock.now().toISOString() };
    };
    const ctx = { node: this.#opts.node, topics: this.#topics, actions, scope };
    // Chained, so `else` never overtakes a slow `then` on the same output.
    rule.queue = rule.queue.then(async () => {
      for (const action of list) {
        // A failing action is reported and the rule's other actions still run.
        await runAction(action, ctx).catch((err) => {
          // A template fails at its place in the scheme file, which the user can go and fix.
          const where = err instanceof TemplateError ? ` (${displayPath(rule.rule.file)}:${rule.rule.line}:${rule.rule.col})` : '';
          this.#error(rule, `${rule.id}${where}: ${describeAction(action)}: ${(err as Error)?.message ?? err}`);
        });
      }
    });
  }

  #paused(rule: RunningRule, firings: number, damping: Damping): void {
    this.#error(
      rule,
      `${rule.id}: fired ${firings} times within ${damping.windowMs} ms; paused for ${damping.pauseMs} ms (does an action change the rule's own condition?)`,
    );
  }

  #error(rule: RunningRule, error: string): void {
    this.#opts.log.warn(error);
    this.#opts.bus.emit('error', { topic: this.#topics.rule(rule.id), error });
  }
}
