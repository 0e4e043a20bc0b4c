/**
 * `$request` operations (README "Topics"). Each takes the request's JSON and returns the reply's
 * `data`; a thrown error becomes the reply's `error` and a `$error`.
 */
import { checkDuration, INTERVAL_BOUNDS } from '../core/duration.js';
import type { SchemeRuntime } from '../runtime/schemes.js';
import type { RulesService } from '../rules/service.js';
import type { NodeStatus } from './status.js';
import type { EventBus } from '../core/bus.js';

/** What the operations act on. */
export interface RequestContext {
  schemes: SchemeRuntime;
  rules: RulesService;
  status: NodeStatus;
  bus: EventBus;
}

type Operation = (node: RequestContext, args: Record<string, unknown>) => Promise<unknown>;

function requireId(args: Record<string, unknown>): string {
  if (typeof args.id !== 'string' || args.id === '') throw new Error('expected {"id": "<scheme id>"}');
  return args.id;
}

/** Enables or disables a scheme, or a rule when no scheme has that id; the choice survives restarts. */
async function setEnabled(node: RequestContext, id: string, enabled: boolean): Promise<'scheme' | 'rule'> {
  if (!node.schemes.has(id) && node.rules.has(id)) {
    node.rules.setEnabled(id, enabled);
    return 'rule';
  }
  await node.schemes.setEnabled(id, enabled);
  return 'scheme';
}

export const operations: Record<string, Operation> = {
  async read(node, args) {
    const id = requireId(args);
    return { id, state: await node.schemes.read(id) };
  },
  async schemes(node) {
    return { schemes: node.schemes.status(), invalid: node.schemes.invalidFiles() };
  },
  async health(node) {
    return node.status.health();
  },
  async scan(node) {
    const result = await node.status.scan();
    node.bus.emit('schemesChanged', {});
    return result;
  },
  async enable(node, args) {
    const id = requireId(args);
    return { id, kind: await setEnabled(node, id, true), enabled: true };
  },
  async disable(node, args) {
    const id = requireId(args);
    return { id, kind: await setEnabled(node, id, false), enabled: false };
  },
  async rules(node) {
    return { rules: node.rules.list() };
  },
  async interval(node, args) {
    const id = requireId(args);
    const checked = checkDuration(args.interval, INTERVAL_BOUNDS);
    if (!checked.ok) throw new Error(`interval: ${checked.error}`);
    node.schemes.setInterval(id, checked.ms);
    return { id, interval: checked.ms };
  },
  async reload(node) {
    return node.schemes.reload();
  },
};

export function runOperation(node: RequestContext, op: string, args: Record<string, unknown>): Promise<unknown> {
  const fn = Object.hasOwn(operations, op) ? operations[op] : undefined;
  if (!fn) return Promise.reject(new Error(`unknown operation '${op}'; expected one of ${Object.keys(operations).join(', ')}`));
  return fn(node, args);
}
