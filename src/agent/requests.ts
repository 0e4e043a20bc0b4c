/** `$request` operations (CONTRACT §4). Each takes the request's JSON and returns the reply's `data`. */
import { checkDuration, INTERVAL_BOUNDS } from '../core/duration.js';
import type { Agent } from './agent.js';

type Operation = (agent: Agent, args: Record<string, unknown>) => Promise<unknown>;

function requireId(args: Record<string, unknown>): string {
  if (typeof args.id !== 'string' || args.id === '') throw new Error('expected {"id": "<scheme id>"}');
  return args.id;
}

export const operations: Record<string, Operation> = {
  async read(agent, args) {
    const id = requireId(args);
    return { id, state: await agent.readNow(id) };
  },
  async schemes(agent) {
    return { schemes: agent.schemes.status(), invalid: agent.invalidFiles() };
  },
  async health(agent) {
    return agent.health();
  },
  async scan(agent) {
    const result = await agent.scan();
    agent.bus.emit('schemesChanged', {});
    return result;
  },
  async enable(agent, args) {
    const id = requireId(args);
    return { id, kind: await agent.setEnabled(id, true), enabled: true };
  },
  async disable(agent, args) {
    const id = requireId(args);
    return { id, kind: await agent.setEnabled(id, false), enabled: false };
  },
  async rules(agent) {
    return { rules: agent.rules() };
  },
  async interval(agent, args) {
    const id = requireId(args);
    const checked = checkDuration(args.interval, INTERVAL_BOUNDS);
    if (!checked.ok) throw new Error(`interval: ${checked.error}`);
    agent.setInterval(id, checked.ms);
    return { id, interval: checked.ms };
  },
  async reload(agent) {
    return agent.reload();
  },
};

export function runOperation(agent: Agent, op: string, args: Record<string, unknown>): Promise<unknown> {
  const fn = Object.hasOwn(operations, op) ? operations[op] : undefined;
  if (!fn) return Promise.reject(new Error(`unknown operation '${op}'; expected one of ${Object.keys(operations).join(', ')}`));
  return fn(agent, args);
}
