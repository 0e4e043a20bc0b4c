/** Every topic the node uses (README "Topics"), built and parsed in one place. B = base, N = node id. */

export interface Topics {
  base: string;
  node: string;
  status: string;
  info: string;
  error: string;
  state(id: string): string;
  availability(id: string): string;
  event(id: string): string;
  set(id: string): string;
  request(op: string): string;
  response(op: string): string;
  sim(id: string): string;
  rule(id: string): string;
  bridgeStatus(id: string): string;
  /** The state topic of a scheme on any node: `B/N/S`. */
  remoteState(node: string, id: string): string;
  remoteSet(node: string, id: string): string;
}

export function topicsFor(base: string, node: string): Topics {
  const p = `${base}/${node}`;
  return {
    base,
    node,
    status: `${p}/status`,
    info: `${p}/$info`,
    error: `${p}/$error`,
    state: (id) => `${p}/${id}`,
    availability: (id) => `${p}/${id}/availability`,
    event: (id) => `${p}/${id}/event`,
    set: (id) => `${p}/${id}/set`,
    request: (op) => `${p}/$request/${op}`,
    response: (op) => `${p}/$response/${op}`,
    sim: (id) => `${p}/$sim/${id}/set`,
    rule: (id) => `${p}/$rules/${id}`,
    bridgeStatus: (id) => `${p}/$bridge/${id}/status`,
    remoteState: (node, id) => `${base}/${node}/${id}`,
    remoteSet: (node, id) => `${base}/${node}/${id}/set`,
  };
}

export type ParsedTopic =
  | { kind: 'set'; id: string }
  | { kind: 'request'; op: string }
  | { kind: 'sim'; id: string }
  | { kind: 'state'; node: string; id: string }
  | { kind: 'availability'; node: string; id: string }
  | { kind: 'status'; node: string }
  | { kind: 'info'; node: string }
  | { kind: 'other' };

const ID = /^[a-z0-9][a-z0-9-]*$/;
const OP = /^[a-z][a-z0-9_-]*$/;

/**
 * What a topic under `base` means to node `node`. Commands (`set`, `$request`, `$sim`) are
 * only recognised for this node; state, availability, status and `$info` for any node.
 */
export function parseTopic(base: string, node: string, topic: string): ParsedTopic {
  if (!topic.startsWith(`${base}/`)) return { kind: 'other' };
  const parts = topic.slice(base.length + 1).split('/');
  const [n, a, b, c] = parts;
  if (!n || !ID.test(n)) return { kind: 'other' };
  const mine = n === node;
  if (parts.length === 2) {
    if (a === 'status') return { kind: 'status', node: n };
    if (a === '$info') return { kind: 'info', node: n };
    if (ID.test(a)) return { kind: 'state', node: n, id: a };
  }
  if (parts.length === 3) {
    if (mine && b === 'set' && ID.test(a) && a !== 'status') return { kind: 'set', id: a };
    if (mine && a === '$request' && OP.test(b)) return { kind: 'request', op: b };
    if (b === 'availability' && ID.test(a)) return { kind: 'availability', node: n, id: a };
  }
  // Grouped operations take two levels: `$request/scheme/put`.
  if (parts.length === 4 && mine && a === '$request' && OP.test(b) && OP.test(c)) return { kind: 'request', op: `${b}/${c}` };
  if (parts.length === 4 && mine && a === '$sim' && c === 'set' && ID.test(b)) return { kind: 'sim', id: b };
  return { kind: 'other' };
}
