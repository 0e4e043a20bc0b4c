/**
 * What a rule can do, and the hooks it does it through. The engine never touches MQTT or an
 * output itself: the agent hands in {@link RuleActions}, and tests hand in a recorder.
 */
import type { Topics } from '../core/topics.js';
import type { Action } from '../schemes/rule-schema.js';
import { renderJson } from '../core/template.js';

/** The agent's side of the rule engine. */
export interface RuleActions {
  /**
   * Local output command, the same path as an MQTT `…/set`. `value` is the rule's value as
   * written (`"ON"`, `42`, `{state: "ON", for: "5s"}`, …): normalise it as a set payload would be.
   * Rejects with a reason fit for `$error`.
   */
  setLocal(output: string, value: unknown): Promise<unknown>;
  /** Publishes to MQTT through the publisher's send path. */
  publish(topic: string, payload: string, opts: { retain: boolean; qos: 0 | 1 | 2 }): Promise<void>;
  /** Subscribes to another node's state topic `B/N/S`; `handler` gets the parsed state JSON. */
  subscribe(topic: string, handler: (state: Record<string, unknown>) => void): void;
  /** Listens to any topic (an external fact) until the function returned is called; `handler` gets each payload as it came. */
  watch(topic: string, handler: (payload: Buffer) => void): () => void;
  /** The `notify` action; bridges come later, until then the agent logs it. */
  notify(bridge: string, payload: Record<string, unknown>): Promise<void>;
}

export interface ActionContext {
  node: string;
  topics: Topics;
  actions: RuleActions;
  /** What `publish` payload templates see: every fact by name, plus `rule`, `node` and `now`. */
  scope?: () => Record<string, unknown>;
}

/** A payload as MQTT text: strings as they are, everything else as JSON. */
export function payloadText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/** `set kitchen-fan`, `publish han/x/y`, `notify cloud`: how errors name an action. */
export function describeAction(action: Action): string {
  if (action.set) return `set ${action.set.output}`;
  if (action.publish) return `publish ${action.publish.topic}`;
  if (action.notify) return `notify ${action.notify.bridge}`;
  return 'unknown action';
}

/** Runs one action. Rejects with the reason when it fails. */
export async function runAction(action: Action, ctx: ActionContext): Promise<void> {
  const { actions, topics } = ctx;
  if (action.set) {
    const { output, value } = action.set;
    const slash = output.indexOf('/');
    const node = slash < 0 ? ctx.node : output.slice(0, slash);
    const id = slash < 0 ? output : output.slice(slash + 1);
    // `this-node/fan` is just a local output written the long way.
    if (node === ctx.node) await actions.setLocal(id, value);
    else await actions.publish(topics.remoteSet(node, id), payloadText(value), { retain: false, qos: 1 });
    return;
  }
  if (action.publish) {
    const { topic, payload, retain, qos } = action.publish;
    // Strings in the payload are Liquid templates (README "Rules"), checked when the file was read.
    const rendered = ctx.scope ? renderJson(payload, ctx.scope()) : payload;
    await actions.publish(topic, payloadText(rendered), { retain: retain ?? false, qos: qos ?? 1 });
    return;
  }
  if (action.notify) {
    const { bridge, ...rest } = action.notify;
    await actions.notify(bridge, rest);
    return;
  }
  throw new Error('expected set, publish or notify');
}
