/**
 * The templates of `bridges:`. Topic templates take `{name}` placeholders (`{node}`, `{id}`, plus
 * what the bridge type adds); payload templates are Liquid (`{{ temperature | round: 1 }}`, README
 * "Templates"), the one engine the displays and rules use, so a JSON payload template keeps its
 * own braces. Both are checked once when the config is read.
 */
import { compileTemplate, templateProblem, valueAt } from '../core/template.js';

/** A message seen on the local broker, as the templates see it. */
export interface LocalMessage {
  topic: string;
  /** `N` and `S` of a `B/N/S` topic, or '' when the topic is shorter. */
  node: string;
  id: string;
  /** The payload as an object: a JSON object as it is, anything else as `{ value }`. */
  data: Record<string, unknown>;
  /** The payload as text, for "the whole JSON by default". */
  text: string;
  /** When the reading was taken: the payload's `ts` when it has one, else when it arrived. */
  ts: Date;
}

/** Reads a local message; `now` stands in for `ts` when the payload has none. */
export function localMessage(topic: string, payload: Buffer | string, now: Date): LocalMessage {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  const [, node = '', id = ''] = topic.split('/');
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    data = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    data = { value: text };
  }
  const ts = typeof data.ts === 'string' || typeof data.ts === 'number' ? new Date(data.ts) : now;
  return { topic, node, id, data, text, ts: Number.isNaN(ts.getTime()) ? now : ts };
}

type Part = string | { name: string };

function splitTopic(template: string): Part[] | string {
  if (/[+#]/.test(template)) return `a topic to publish to cannot hold the wildcards + or #`;
  if (template.includes('{{')) return `topic templates take {name}, not {{name}}`;
  const parts: Part[] = [];
  let rest = template;
  while (rest) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close >= 0 && (open < 0 || close < open)) return `unmatched '}' in '${template}'`;
    if (open < 0) {
      parts.push(rest);
      break;
    }
    if (close < 0) return `unclosed '{' in '${template}'`;
    if (open > 0) parts.push(rest.slice(0, open));
    const name = rest.slice(open + 1, close).trim();
    if (!/^[a-z_]+$/.test(name)) return `'{${name}}' is not a placeholder; expected a name such as {node}`;
    parts.push({ name });
    rest = rest.slice(close + 1);
  }
  return parts;
}

/** What is wrong with a topic template, given the placeholders it may use; undefined if nothing. */
export function topicTemplateProblem(template: string, allowed: readonly string[]): string | undefined {
  if (!template) return 'expected a topic';
  const parts = splitTopic(template);
  if (typeof parts === 'string') return parts;
  for (const p of parts) {
    if (typeof p !== 'string' && !allowed.includes(p.name)) {
      return `unknown placeholder {${p.name}}; expected ${allowed.map((a) => `{${a}}`).join(', ')}`;
    }
  }
  return undefined;
}

/** Renders a checked topic template. */
export function renderTopic(template: string, vars: Record<string, string>): string {
  const parts = splitTopic(template);
  if (typeof parts === 'string') throw new Error(parts);
  return parts.map((p) => (typeof p === 'string' ? p : vars[p.name] ?? '')).join('');
}

/** What is wrong with a payload template (Liquid, README "Templates"), or undefined. */
export function payloadTemplateProblem(template: string): string | undefined {
  return templateProblem(template);
}

/** A field of a message by dotted path; `node`, `id`, `topic` and `ts` come from the message itself. */
export function lookup(msg: LocalMessage, path: string): unknown {
  if (path === 'node') return msg.node;
  if (path === 'id') return msg.id;
  if (path === 'topic') return msg.topic;
  if (path === 'ts') return msg.ts.toISOString();
  let v: unknown = msg.data;
  for (const key of path.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A value as template text: strings as they are, everything else as JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Renders a checked payload template; no template means the payload as it came. Undefined when
 * the template prints a field the message lacks (without `| default`): forwarding "undefined"
 * helps nobody.
 */
export function renderPayload(template: string | undefined, msg: LocalMessage): string | undefined {
  if (template === undefined) return msg.text;
  const t = compileTemplate(template);
  const scope: Record<string, unknown> = { ...msg.data, node: msg.node, id: msg.id, topic: msg.topic, ts: msg.ts.toISOString() };
  if (t.required.some((path) => valueAt(scope, path) === undefined)) return undefined;
  return t.render(scope);
}
