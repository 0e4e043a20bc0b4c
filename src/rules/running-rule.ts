/**
 * One rule at run time: when it fires. The engine feeds it condition results and schedule ticks;
 * this class turns them into `then`/`else` firings.
 *
 * - Edge-triggered: `then` when the condition becomes true, `else` when it stops being true
 *   after a `then` fired. `else` never fires for a condition that was never acted on, so a rule
 *   whose facts come in false at boot does not switch anything off.
 * - `for:` starts a hold timer when the condition becomes true; `then` fires when it runs out,
 *   unless the condition went false (or unknown) first, which cancels it silently.
 * - Unknown (see condition.ts) never fires anything: not `then`, and not `else` either.
 * - Damping: more than `maxFirings` condition firings within `windowMs` means the rule is
 *   feeding itself; it is paused for `pauseMs`, then re-evaluated. Schedules are not damped:
 *   their rate is what the user wrote.
 */
import type { LoadedRule } from '../schemes/types.js';
import { formatDuration } from '../core/duration.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { ConditionEvaluator, factsOf, mapFacts, type Truth } from './condition.js';
import { cronSchedule, everySchedule, type Schedule } from './schedule.js';

export type Firing = 'then' | 'else';

/** Loop damping limits. */
export interface Damping {
  maxFirings: number;
  windowMs: number;
  pauseMs: number;
}

export const DEFAULT_DAMPING: Damping = { maxFirings: 20, windowMs: 1_000, pauseMs: 10_000 };

/** One entry of {@link RuleEngine.list}. */
export interface RuleInfo {
  id: string;
  enabled: boolean;
  /** The condition now: 'unknown' until its facts are in, and for rules without `when`. */
  state: 'true' | 'false' | 'unknown';
  lastFired?: { fired: Firing; ts: string };
  /** The cron expression or `every 2s`. */
  schedule?: string;
  /** ISO time of the next scheduled run. */
  next?: string;
  for?: string;
  /** Set while loop damping holds the rule back. */
  pausedUntil?: string;
  file: string;
}

export interface RunningRuleContext {
  clock: Clock;
  damping: Damping;
  /** Normalises a fact name (`this-node/x` → `x`). */
  factName(name: string): string;
  /** Carries out a firing: publish it and run its actions. */
  execute(rule: RunningRule, which: Firing): void;
  /** Loop damping paused the rule. */
  paused(rule: RunningRule, firings: number): void;
  /** The pause ended: evaluate again. */
  resumed(rule: RunningRule): void;
}

export class RunningRule {
  readonly rule: LoadedRule;
  /** Normalised fact names the condition reads. */
  readonly facts: string[];
  readonly evaluator?: ConditionEvaluator;
  enabled: boolean;
  truth: Truth = undefined;
  lastFired?: { fired: Firing; ts: string };
  /** Evaluation bookkeeping for the engine: one at a time per rule. */
  evaluating = false;
  again = false;
  /** Actions of successive firings run in order. */
  queue: Promise<void> = Promise.resolve();
  /** The last condition error reported, so it is reported once and not at every reading. */
  conditionError?: string;

  #active = false;
  #trueSince?: number;
  #hold?: TimerHandle;
  #schedule?: Schedule;
  #firings: number[] = [];
  #pausedUntil?: number;
  #pauseTimer?: TimerHandle;

  constructor(
    rule: LoadedRule,
    private readonly ctx: RunningRuleContext,
  ) {
    this.rule = rule;
    this.enabled = rule.enabled !== false;
    const when = rule.when && mapFacts(rule.when, ctx.factName);
    this.facts = when ? factsOf(when) : [];
    this.evaluator = when && new ConditionEvaluator(when);
  }

  get id(): string {
    return this.rule.id;
  }

  get scheduled(): boolean {
    return this.rule.schedule !== undefined || this.rule.every !== undefined;
  }

  /** Starts the schedule, if the rule has one. */
  arm(): void {
    if (this.#schedule || !this.scheduled) return;
    const tick = () => this.#tick();
    const { clock } = this.ctx;
    this.#schedule = this.rule.schedule !== undefined ? cronSchedule(this.rule.schedule, clock, tick) : everySchedule(this.rule.every!, clock, tick);
  }

  /** Stops the schedule and every timer. Edge state is kept, so re-enabling carries on from it. */
  disarm(): void {
    this.#schedule?.stop();
    this.#schedule = undefined;
    this.#cancelHold();
    this.ctx.clock.clearTimeout(this.#pauseTimer);
    this.#pauseTimer = undefined;
    this.#pausedUntil = undefined;
  }

  /** Takes a new condition result. */
  update(truth: Truth): void {
    const now = this.ctx.clock.elapsed();
    if (truth === true && this.truth !== true) this.#trueSince = now;
    if (truth !== true) this.#trueSince = undefined;
    this.truth = truth;
    // Scheduled rules act on their ticks; the condition only gates them.
    if (!this.enabled || this.scheduled) return;
    if (truth === true) {
      if (this.#active || this.#hold !== undefined) return;
      if (this.rule.for) {
        this.#hold = this.ctx.clock.setTimeout(() => {
          this.#hold = undefined;
          if (this.enabled && this.truth === true && !this.#active) this.#fireOnEdge('then');
        }, this.rule.for);
      } else this.#fireOnEdge('then');
      return;
    }
    this.#cancelHold();
    // Unknown (a field went missing) is not "stopped holding": wait for a real false.
    if (truth === false && this.#active) this.#fireOnEdge('else');
  }

  info(): RuleInfo {
    const next = this.#schedule?.next();
    return {
      id: this.id,
      enabled: this.enabled,
      state: this.truth === undefined ? 'unknown' : this.truth ? 'true' : 'false',
      ...(this.lastFired && { lastFired: { ...this.lastFired } }),
      ...(this.scheduled && { schedule: this.rule.schedule ?? `every ${formatDuration(this.rule.every!)}` }),
      ...(next && { next: next.toISOString() }),
      ...(this.rule.for && { for: formatDuration(this.rule.for) }),
      ...(this.#pausedUntil !== undefined && { pausedUntil: new Date(this.ctx.clock.now().getTime() + (this.#pausedUntil - this.ctx.clock.elapsed())).toISOString() }),
      file: `${this.rule.file}:${this.rule.line}:${this.rule.col}`,
    };
  }

  #tick(): void {
    if (!this.enabled) return;
    if (!this.evaluator) return this.#fire('then');
    const held = this.truth === true && (!this.rule.for || this.ctx.clock.elapsed() - this.#trueSince! >= this.rule.for);
    if (held) this.#fire('then');
    else if (this.truth !== undefined && this.rule.else) this.#fire('else');
  }

  #fireOnEdge(which: Firing): void {
    // A rule without `else` still goes back to inactive, so the next rise fires `then` again.
    if (which === 'else' && !this.rule.else) {
      this.#active = false;
      return;
    }
    const now = this.ctx.clock.elapsed();
    if (this.#pausedUntil !== undefined) return;
    const { maxFirings, windowMs, pauseMs } = this.ctx.damping;
    this.#firings = this.#firings.filter((t) => now - t < windowMs);
    if (this.#firings.length >= maxFirings) {
      this.#cancelHold();
      this.#pausedUntil = now + pauseMs;
      this.#pauseTimer = this.ctx.clock.setTimeout(() => {
        this.#pauseTimer = undefined;
        this.#pausedUntil = undefined;
        this.#firings = [];
        this.ctx.resumed(this);
      }, pauseMs);
      this.ctx.paused(this, this.#firings.length);
      return;
    }
    this.#firings.push(now);
    this.#active = which === 'then';
    this.#fire(which);
  }

  #fire(which: Firing): void {
    this.lastFired = { fired: which, ts: this.ctx.clock.now().toISOString() };
    this.ctx.execute(this, which);
  }

  #cancelHold(): void {
    if (this.#hold === undefined) return;
    this.ctx.clock.clearTimeout(this.#hold);
    this.#hold = undefined;
  }
}
