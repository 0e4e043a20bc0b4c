/** Builds the rule engine over the agent's own paths: local commands, the publisher, the link. */
import { MAX_PAYLOAD_BYTES } from '../core/limits.js';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Topics } from '../core/topics.js';
import type { Reading } from '../core/driver.js';
import type { LoadedRule } from '../schemes/loader.js';
import type { MqttLink } from '../publisher/link.js';
import type { Publisher } from '../publisher/publisher.js';
import { normaliseCommand } from '../mediator/command.js';
import { RuleEngine } from '../rules/index.js';

export interface RuleWiring {
  rules: LoadedRule[];
  disabled: string[];
  enabled: string[];
  topics: Topics;
  bus: EventBus;
  log: Logger;
  link: MqttLink;
  publisher: Publisher;
  command(id: string, command: Record<string, unknown>): Promise<Reading>;
  /** The rules' `notify` action: hands the payload to a bridge. */
  notify(bridge: string, payload: Record<string, unknown>): Promise<void>;
  /** Remote facts subscribed so far, shared across reloads so each topic is subscribed once. */
  remote: Map<string, (state: Record<string, unknown>) => void>;
}

/**
 * The latest state of every local scheme seen on a bus, and of every remote fact seen on a
 * topic, kept for the agent's lifetime. A reload builds a new engine; without these it would
 * start blind: an output's state and another node's retained state are not sent again until
 * they change, so rules on them would stay unknown, and a rule that had fired `then` would
 * never fire its `else`.
 */
const localStates = new WeakMap<EventBus, Map<string, Record<string, unknown>>>();
const remoteStates = new WeakMap<RuleWiring['remote'], Map<string, Record<string, unknown>>>();

function statesOn(bus: EventBus): Map<string, Record<string, unknown>> {
  let states = localStates.get(bus);
  if (!states) {
    const seen = new Map<string, Record<string, unknown>>();
    // Registered before the first engine listens, so it is never behind the engine.
    bus.on('state', seen, (e) => void seen.set(e.id, { ...e.state, ts: e.ts.toISOString() }));
    localStates.set(bus, (states = seen));
  }
  return states;
}

export function createRuleEngine(w: RuleWiring): RuleEngine {
  const local = statesOn(w.bus);
  let remote = remoteStates.get(w.remote);
  if (!remote) remoteStates.set(w.remote, (remote = new Map()));
  const lastRemote = remote;
  const engine = new RuleEngine({
    rules: w.rules,
    node: w.topics.node,
    base: w.topics.base,
    bus: w.bus,
    log: w.log.child({ service: 'rules' }),
    disabled: w.disabled,
    enabled: w.enabled,
    actions: {
      setLocal: (output, value) => {
        // The same path as `…/set`: a rule's value is a payload like any other.
        const normalised = normaliseCommand(typeof value === 'string' ? value : JSON.stringify(value));
        if (!normalised.ok) return Promise.reject(new Error(normalised.error));
        return w.command(output, normalised.command);
      },
      publish: (topic, payload, { retain, qos }) => w.publisher.send({ topic, payload, retain, qos }),
      subscribe: (topic, handler) => {
        const known = w.remote.has(topic);
        w.remote.set(topic, handler);
        if (known) {
          // Subscribed by an earlier engine: the broker will not send the retained state again.
          const last = lastRemote.get(topic);
          if (last) handler(last);
          return;
        }
        w.link.subscribe(topic, (_t, payload) => {
          if (payload.length > MAX_PAYLOAD_BYTES) return; // no state of ours is that large: not a fact
          try {
            const value = JSON.parse(payload.toString('utf8'));
            if (value && typeof value === 'object' && !Array.isArray(value)) {
              lastRemote.set(topic, value);
              w.remote.get(topic)?.(value);
            }
          } catch {
            // Not a state JSON (an empty retained clear, say): not a fact.
          }
        });
      },
      notify: (bridge, payload) => w.notify(bridge, payload),
    },
  });
  // What the last engine knew; start() evaluates every rule on it.
  for (const [id, state] of local) engine.setFact(id, state);
  return engine;
}
