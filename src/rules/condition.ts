/**
 * Evaluating a rule's `when` with json-rules-engine, in three-valued logic.
 *
 * A test on a fact that has no value yet (no state seen, or no such field in it) is *unknown*,
 * not false: otherwise `not: {fact: door, … equal: OPEN}` would be true, and its actions run,
 * before the door ever reported. Unknown combines as in Kleene logic (`all` with a false member
 * is false, `any` with a true member is true, `not unknown` is unknown) and an unknown rule
 * counts as not holding, so nothing fires until the facts are in.
 */
import type { Engine, TopLevelCondition } from 'json-rules-engine';
import type { Condition } from '../schemes/rule-schema.js';

/** true, false, or undefined for unknown. */
export type Truth = boolean | undefined;

const isFactRef = (v: unknown): v is { fact: string } =>
  typeof v === 'object' && v !== null && typeof (v as { fact?: unknown }).fact === 'string';

/** A copy of `c` with every fact name (also in `value: {fact}` comparisons) passed through `rename`. */
export function mapFacts(c: Condition, rename: (fact: string) => string): Condition {
  const out: Condition = { ...c };
  if (c.all) out.all = c.all.map((x) => mapFacts(x, rename));
  if (c.any) out.any = c.any.map((x) => mapFacts(x, rename));
  if (c.not) out.not = mapFacts(c.not, rename);
  if (c.fact !== undefined) out.fact = rename(c.fact);
  if (isFactRef(c.value)) out.value = { ...c.value, fact: rename(c.value.fact) };
  return out;
}

/** Every fact a condition reads, once each. */
export function factsOf(c: Condition): string[] {
  const found = new Set<string>();
  const walk = (x: Condition) => {
    x.all?.forEach(walk);
    x.any?.forEach(walk);
    if (x.not) walk(x.not);
    if (x.fact !== undefined) found.add(x.fact);
    if (isFactRef(x.value)) found.add(x.value.fact);
  };
  walk(c);
  return [...found];
}

/** The serialised result tree json-rules-engine gives back: the condition plus per-test results. */
interface ResultNode {
  all?: ResultNode[];
  any?: ResultNode[];
  not?: ResultNode;
  value?: unknown;
  result?: boolean;
  factResult?: unknown;
  valueResult?: unknown;
}

const known = (v: unknown) => v !== undefined && v !== null;

/** Kleene logic over a result tree. A test json-rules-engine skipped (short-circuit) is unknown. */
export function truthOf(node: ResultNode): Truth {
  if (node.all) {
    let out: Truth = true;
    for (const child of node.all) {
      const t = truthOf(child);
      if (t === false) return false;
      if (t === undefined) out = undefined;
    }
    return out;
  }
  if (node.any) {
    let out: Truth = false;
    for (const child of node.any) {
      const t = truthOf(child);
      if (t === true) return true;
      if (t === undefined) out = undefined;
    }
    return out;
  }
  if (node.not) {
    const t = truthOf(node.not);
    return t === undefined ? undefined : !t;
  }
  if (node.result === undefined || !known(node.factResult)) return undefined;
  if (isFactRef(node.value) && !known(node.valueResult)) return undefined;
  return node.result;
}

// Loaded when the first rules start (RuleEngine.start), so a node without rules never loads it.
let EngineClass: typeof Engine | undefined;

/** Loads json-rules-engine, once. */
export async function loadConditionEngine(): Promise<void> {
  // A CommonJS package: Node's loader names its exports, a bundle's import() may give them as `default`.
  const mod = (await import('json-rules-engine')) as { Engine?: typeof Engine; default?: { Engine?: typeof Engine } };
  EngineClass ??= mod.Engine ?? mod.default?.Engine;
  if (!EngineClass) throw new Error('json-rules-engine did not load: it has no Engine export');
}

/** One rule's condition, ready to evaluate against the current facts. */
export class ConditionEvaluator {
  #engine?: Engine;

  /** @param when a condition rooted at all/any/not, as the scheme loader gives it */
  constructor(private readonly when: Condition) {}

  /** Evaluates against `facts` (fact name → state JSON); facts not given are unknown. */
  async evaluate(facts: Record<string, unknown>): Promise<Truth> {
    if (!this.#engine) {
      if (!EngineClass) await loadConditionEngine();
      // A missing fact must read as undefined, not throw: it only means no state has come yet.
      this.#engine ??= new EngineClass!([{ conditions: this.when as TopLevelCondition, event: { type: 'holds' } }], { allowUndefinedFacts: true });
    }
    const { results, failureResults } = await this.#engine.run(facts);
    const result = results[0] ?? failureResults[0];
    if (!result) return undefined;
    return truthOf(result.toJSON(false).conditions as ResultNode);
  }
}
