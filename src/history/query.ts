/**
 * D2/D3/D6 conditions as one SQL WHERE clause. Topic filters use the (topic, ts) index through
 * the literal part before the first wildcard; conditions on a field of a JSON payload use SQLite's
 * JSON functions, so a payload that is not JSON simply does not match.
 */

export const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains'] as const;
export type Op = (typeof OPS)[number];

export interface RecordFilter {
  /** An MQTT topic or filter (`+`, `#`). */
  topic?: string;
  /** ms since epoch, inclusive. */
  from?: number;
  /** ms since epoch, inclusive. */
  to?: number;
  /** ms since epoch, exclusive (D6). */
  before?: number;
  /** A key of the JSON payload, dots for nesting. */
  field?: string;
  op?: Op;
  value?: string;
  /** Only ids in this range, inclusive: lets a delete walk a big table a slice at a time. */
  ids?: [number, number];
}

const SQL_OP: Record<Exclude<Op, 'contains'>, string> = { eq: '=', ne: '!=', gt: '>', gte: '>=', lt: '<', lte: '<=' };
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** `a.b-c` → `$."a"."b-c"`, a JSON path SQLite reads whatever the key holds. */
export function jsonPath(field: string): string {
  return '$' + field.split('.').map((k) => `."${k.replace(/"/g, '')}"`).join('');
}

/** The value as SQLite should compare it: a number when it looks like one, JSON booleans as 1/0, else text. */
export function comparable(value: string): number | string {
  if (NUMBER.test(value.trim())) return Number(value);
  if (value === 'true') return 1;
  if (value === 'false') return 0;
  return value;
}

export function buildQuery(f: RecordFilter): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.topic !== undefined) {
    const wild = f.topic.search(/[+#]/);
    if (wild < 0) {
      parts.push('topic = ?');
      params.push(f.topic);
    } else {
      const prefix = f.topic.slice(0, wild);
      if (prefix) {
        parts.push('topic >= ? AND topic < ?');
        params.push(prefix, prefix + '\u{10FFFF}');
      }
      parts.push('mqtt_match(?, topic)');
      params.push(f.topic);
    }
  }
  if (f.from !== undefined) {
    parts.push('ts >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    parts.push('ts <= ?');
    params.push(f.to);
  }
  if (f.before !== undefined) {
    parts.push('ts < ?');
    params.push(f.before);
  }
  if (f.ids) {
    parts.push('id BETWEEN ? AND ?');
    params.push(f.ids[0], f.ids[1]);
  }
  if (f.field !== undefined && f.op !== undefined && f.value !== undefined) {
    // Only text payloads can be JSON (a blob would be read as SQLite's binary JSON); json_extract
    // throws on text that is not JSON, so it is asked only about valid JSON.
    const extract = `(CASE WHEN typeof(payload) = 'text' AND json_valid(payload) THEN json_extract(payload, ?) END)`;
    params.push(jsonPath(f.field));
    if (f.op === 'contains') {
      parts.push(`instr(CAST(${extract} AS TEXT), ?) > 0`);
      params.push(f.value);
    } else {
      parts.push(`${extract} ${SQL_OP[f.op]} ?`);
      params.push(comparable(f.value));
    }
  }
  return { where: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** True when the filter has at least one condition (D6 refuses to delete everything). */
export function hasCondition(f: RecordFilter): boolean {
  return f.topic !== undefined || f.from !== undefined || f.to !== undefined || f.before !== undefined || f.field !== undefined;
}
