/** D1–D6: the records of the history store over HTTP. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HistoryStore } from '../history/store.js';
import { OPS, hasCondition, type Op, type RecordFilter } from '../history/query.js';
import { LIMITS } from './limits.js';
import { recordJson } from './record-json.js';
import { apiError, ApiError } from './errors.js';

const FILTER = '^(?:(?:[^+#/]*|\\+)/)*(?:[^+#/]*|\\+|#)$';
const FIELD = '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$';

const timeParam = { type: 'string', minLength: 1, maxLength: LIMITS.timeChars } as const;
const conditions = {
  topic: { type: 'string', minLength: 1, maxLength: LIMITS.topicChars, pattern: FILTER },
  field: { type: 'string', minLength: 1, maxLength: LIMITS.fieldChars, pattern: FIELD },
  op: { type: 'string', enum: OPS },
  value: { type: 'string', maxLength: LIMITS.valueChars },
} as const;
const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

interface Query {
  topic?: string;
  from?: string;
  to?: string;
  before?: string;
  limit?: number;
  order?: 'asc' | 'desc';
  field?: string;
  op?: Op;
  value?: string;
}

/** ISO-8601 or ms since epoch. */
export function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new ApiError(400, 'invalid request', `${name}: expected an ISO-8601 time or ms since epoch, got ${JSON.stringify(v)}`);
  return ms;
}

function filterOf(q: Query): RecordFilter {
  const f: RecordFilter = { topic: q.topic, from: parseTime('from', q.from), to: parseTime('to', q.to), before: parseTime('before', q.before) };
  if (f.from !== undefined && f.to !== undefined) {
    if (f.to < f.from) throw new ApiError(400, 'invalid request', 'to is before from');
    if (f.to - f.from > LIMITS.maxRangeMs) throw new ApiError(400, 'invalid request', `from..to spans more than ${LIMITS.maxRangeMs / 86_400_000} days; ask in pieces`);
  }
  const given = [q.field, q.op, q.value].filter((v) => v !== undefined).length;
  if (given && given < 3) throw new ApiError(400, 'invalid request', 'field, op and value go together');
  if (given) Object.assign(f, { field: q.field, op: q.op, value: q.value });
  return f;
}

export function recordRoutes(app: FastifyInstance, store: () => HistoryStore): void {
  app.get<{ Params: { id: number } }>('/api/records/:id', { schema: { params: idParams } }, async (req, reply) => {
    const r = store().get(req.params.id);
    if (!r) return notFound(reply, req.params.id);
    return recordJson(r);
  });

  app.get<{ Querystring: Query }>(
    '/api/records',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...conditions,
            from: timeParam,
            to: timeParam,
            limit: { type: 'integer', minimum: 1, maximum: LIMITS.maxLimit, default: LIMITS.defaultLimit },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const { chunks } = await store().recordsText(filterOf(q), q.limit ?? LIMITS.defaultLimit, q.order ?? 'desc');
      const body = chunks.length === 1 ? Buffer.from(chunks[0].buffer, chunks[0].byteOffset, chunks[0].byteLength) : Buffer.concat(chunks);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post<{ Body: { topic: string; payload: unknown; ts?: string | number; encoding?: 'base64' } }>(
    '/api/records',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['topic', 'payload'],
          properties: {
            topic: { type: 'string', minLength: 1, maxLength: LIMITS.topicChars, pattern: '^[^+#]+$' },
            payload: {},
            ts: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1, maxLength: LIMITS.timeChars }] },
            encoding: { type: 'string', enum: ['base64'] },
          },
        },
      },
    },
    async (req, reply) => {
      const { topic, payload, ts, encoding } = req.body;
      let bytes: Buffer;
      if (encoding === 'base64') {
        if (typeof payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(payload)) throw new ApiError(400, 'invalid request', 'body/payload: expected base64 text with "encoding":"base64"');
        bytes = Buffer.from(payload, 'base64');
      } else bytes = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
      const at = ts === undefined ? Date.now() : parseTime('ts', String(ts))!;
      // 201 only once the record's transaction is on disk.
      const stored = await store().append({ topic, payload: bytes, ts: at });
      return reply.code(201).send(recordJson(stored));
    },
  );

  app.delete<{ Params: { id: number } }>('/api/records/:id', { schema: { params: idParams } }, async (req, reply) => {
    if (!(await store().remove(req.params.id))) return notFound(reply, req.params.id);
    return { deleted: 1 };
  });

  app.delete<{ Querystring: Query }>(
    '/api/records',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { ...conditions, before: timeParam } },
      },
    },
    async (req) => {
      const f = filterOf(req.query);
      if (!hasCondition(f)) throw new ApiError(400, 'no filter', 'DELETE /api/records deletes nothing without a filter: give topic, before, or field/op/value');
      // A condition on the payload without a topic or time reads every row: walk the table a slice
      // of ids at a time, with a turn of the event loop between slices, so the agent never stalls.
      const scan = f.topic === undefined && f.before === undefined;
      const range = scan ? store().idRange() : undefined;
      let deleted = 0;
      if (scan) {
        for (let lo = range?.[0] ?? 1; range && lo <= range[1]; lo += LIMITS.deleteSlice) {
          for (;;) {
            const n = await store().removeMatching({ ...f, ids: [lo, lo + LIMITS.deleteSlice - 1] }, LIMITS.deleteBatch);
            deleted += n;
            await new Promise((r) => setImmediate(r));
            if (n < LIMITS.deleteBatch) break;
          }
        }
        return { deleted };
      }
      for (;;) {
        const n = await store().removeMatching(f, LIMITS.deleteBatch);
        deleted += n;
        if (n < LIMITS.deleteBatch) break;
        await new Promise((r) => setImmediate(r));
      }
      return { deleted };
    },
  );
}

function notFound(reply: FastifyReply, id: number) {
  return apiError(reply, 404, 'not found', `no record ${id}`);
}
