/**
 * `$request` operations (README "Topics" and "Managing nodes without SSH"). Each takes the
 * request's JSON and returns the reply's `data`; a thrown error becomes the reply's `error` and a
 * `$error`. The writing operations in {@link WRITES} are refused unless hanode.yaml has
 * `management: { remote: true }`; who may publish a request at all is up to the broker's ACLs.
 */
import type { Logger } from 'pino';
import { checkDuration, INTERVAL_BOUNDS } from '../core/duration.js';
import { AfterReply, RequestError } from '../mediator/mediator.js';
import { SchemeEditError, type SchemeEditor } from '../runtime/scheme-edit.js';
import type { Backup } from './backup.js';
import type { SchemeRuntime } from '../runtime/schemes.js';
import type { RulesService } from '../rules/service.js';
import type { NodeStatus } from './status.js';
import type { EventBus } from '../core/bus.js';
import type { GatewayService } from '../gateway/service.js';
import { MAX_PAIRING_MS } from '../gateway/pairing.js';

/** What the operations act on. */
export interface RequestContext {
  schemes: SchemeRuntime;
  rules: RulesService;
  status: NodeStatus;
  bus: EventBus;
  /** The line-protocol gateway, when hanode.yaml has `gateway:`. */
  gateway?: GatewayService;
  /** hanode.yaml's `management:`. */
  management: { remote: boolean };
  /** The node's root logger: `log_level` sets its level, and every child follows. */
  log: Logger;
  /** Scheme files by name (`scheme/put`, `scheme/delete`, `scheme/get`). */
  editor: SchemeEditor;
  backup(): Promise<Backup>;
  /**
   * Stops every service and starts the node again; called once the answer is out. Absent when
   * the agent runs inside another program (tests, a library user): then `restart` is refused.
   */
  restart?: () => void;
}

/** The operations that change the node; refused unless `management.remote` is true. */
export const WRITES: readonly string[] = ['restart', 'log_level', 'scheme/put', 'scheme/delete'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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

/** The most problems one answer lists; `hanode validate` on the node lists them all. */
export const MAX_ANSWER_PROBLEMS = 100;

/** A refused scheme edit answers with its problems as `data.problems` too. */
async function edit<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof SchemeEditError)) throw err;
    const { problems } = err;
    const shown = problems.length > MAX_ANSWER_PROBLEMS ? [...problems.slice(0, MAX_ANSWER_PROBLEMS), `… and ${problems.length - MAX_ANSWER_PROBLEMS} more`] : problems;
    throw new RequestError(err.message, problems.length ? { problems: shown } : undefined);
  }
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
  /** `{"for":"2m"}`: unknown device IDs that connect meanwhile are accepted and remembered. */
  async pair(node, args) {
    if (!node.gateway) throw new Error('pair: the gateway is off; add a gateway: section to hanode.yaml');
    const checked = checkDuration(args.for ?? '2m', { min: 1, max: MAX_PAIRING_MS });
    if (!checked.ok) throw new Error(`pair: ${checked.error}; expected {"for": "2m"}`);
    return node.gateway.pair(checked.ms);
  },
  /** Answers first, then stops every service cleanly and starts again (see `hanode run`). */
  async restart(node) {
    const restart = node.restart;
    if (!restart) throw new Error('restart: this agent was not started by `hanode run`, so it cannot restart itself');
    node.log.warn('restart requested over MQTT');
    return new AfterReply({ restarting: true }, restart);
  },
  /** `{"level":"debug"}`: the log level until the next restart (hanode.yaml's `log_level` is not changed). */
  async log_level(node, args) {
    const level = args.level;
    if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new Error(`log_level: expected {"level": one of ${LOG_LEVELS.join(', ')}}, got ${JSON.stringify(level ?? null)?.slice(0, 40)}`);
    }
    const previous = node.log.level;
    node.log.level = level;
    node.log.info(`log level set to ${level} over MQTT (was ${previous})`);
    return { level, previous };
  },
  async 'scheme/get'(node, args) {
    return edit(() => node.editor.get(args.file));
  },
  async 'scheme/put'(node, args) {
    return edit(() => node.editor.put(args.file, args.yaml));
  },
  async 'scheme/delete'(node, args) {
    return edit(() => node.editor.delete(args.file));
  },
  async backup(node) {
    return node.backup();
  },
};

export function runOperation(node: RequestContext, op: string, args: Record<string, unknown>): Promise<unknown> {
  const fn = Object.hasOwn(operations, op) ? operations[op] : undefined;
  if (!fn) return Promise.reject(new Error(`unknown operation '${op}'; expected one of ${Object.keys(operations).join(', ')}`));
  if (WRITES.includes(op) && !node.management.remote) {
    return Promise.reject(new Error(`${op}: refused; this node takes only read-only requests. Set management: { remote: true } in hanode.yaml to allow ${WRITES.join(', ')}`));
  }
  return fn(node, args);
}
