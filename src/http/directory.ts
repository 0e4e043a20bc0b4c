/**
 * What the node has seen of the home, for `GET /api/state` and `GET /api/nodes`: the latest state
 * of every scheme of every node (`B/N/S`, retained ones included), each node's `status` and `$info`.
 */
import type { Logger } from 'pino';
import type { MqttLink } from '../mqtt/link.js';

export interface NodeEntry {
  id: string;
  status: 'online' | 'offline' | 'unknown';
  info?: unknown;
  /** When this node last said anything, ISO. */
  last_seen: string;
}

/** Bounds, so a broker full of junk cannot grow this without limit. */
const MAX_NODES = 1_000;
const MAX_SCHEMES_PER_NODE = 1_000;
const MAX_STATE_BYTES = 64 * 1024;

export class NodeDirectory {
  readonly #state = new Map<string, Map<string, unknown>>();
  readonly #nodes = new Map<string, NodeEntry>();
  readonly #handler = (topic: string, payload: Buffer) => this.#seen(topic, payload);

  constructor(private readonly ctx: { base: string; link: MqttLink; log: Logger }) {}

  start(): void {
    this.ctx.link.subscribe(`${this.ctx.base}/+/+`, this.#handler, { qos: 1 });
  }

  stop(): void {
    this.ctx.link.unsubscribe(this.#handler);
  }

  state(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [node, schemes] of this.#state) out[node] = Object.fromEntries(schemes);
    return out;
  }

  nodes(): NodeEntry[] {
    return [...this.#nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  #seen(topic: string, payload: Buffer): void {
    const parts = topic.split('/');
    const [node, leaf] = parts.slice(-2);
    if (parts.length !== this.ctx.base.split('/').length + 2 || node.startsWith('$')) return;
    if (!this.#nodes.has(node) && this.#nodes.size >= MAX_NODES) return;
    const entry = this.#nodes.get(node) ?? { id: node, status: 'unknown' as const, last_seen: '' };
    entry.last_seen = new Date().toISOString();
    this.#nodes.set(node, entry);
    const text = payload.toString('utf8');
    if (leaf === 'status') {
      if (text === 'online' || text === 'offline') entry.status = text;
      return;
    }
    if (leaf === '$info') {
      entry.info = parse(text);
      return;
    }
    if (leaf.startsWith('$') || payload.length > MAX_STATE_BYTES) return;
    const schemes = this.#state.get(node) ?? new Map<string, unknown>();
    // An empty retained payload clears a scheme's state.
    if (!payload.length) schemes.delete(leaf);
    else if (schemes.has(leaf) || schemes.size < MAX_SCHEMES_PER_NODE) schemes.set(leaf, parse(text));
    this.#state.set(node, schemes);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
