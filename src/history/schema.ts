/** The `history:` section of hanode.yaml (README "HTTP API and history"); off unless present. */
import { z } from 'zod';
import { once } from '../core/once.js';

/** `30d`, `12h`, `90m`, `2w`, or a number of ms: how long history keeps a record. */
export const RETENTION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

export function parseRetention(v: number | string): number {
  if (typeof v === 'number') return v;
  const [, n, unit] = RETENTION_PATTERN.exec(v.trim())!;
  return Math.round(Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS]);
}

const FILTER = /^(?:(?:[^+#/]*|\+)\/)*(?:[^+#/]*|\+|#)$/;
const digits = <T extends z.ZodType<number>>(inner: T) => z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), inner);

export const historySchema = once(() =>
  z
    .object({
      topics: z
        .array(z.string().min(1).max(256).regex(FILTER, 'expected an MQTT topic filter: + for one level, # only at the end'))
        .min(1)
        .max(100)
        .optional()
        .describe('Topic filters to record; default B/+/+ (every node\'s scheme states)'),
      retention: z
        .union([z.number().int().positive(), z.string().regex(RETENTION_PATTERN, 'expected a duration such as 30d, 12h or 2w')])
        .default('30d')
        .transform(parseRetention)
        .describe('Records older than this are deleted'),
      max_rows: digits(z.number().int().positive()).default(10_000_000).describe('At most this many records; the oldest go first'),
      max_bytes: digits(z.number().int().positive()).default(1024 * 1024 * 1024).describe('At most this many topic + payload bytes; the oldest go first'),
      series_blocks: z
        .boolean()
        .default(true)
        .describe('Keep each topic\'s records also written out as the API\'s JSON, so a day of one topic is answered in tens of ms; about doubles the file'),
    })
    .strict(),
);

export type HistoryConfig = z.output<ReturnType<typeof historySchema>>;
