/**
 * Picking fields out of a JSON document with JSONPath, shared by `http-json` and `command`.
 * Numbers stay numbers, text stays text; a path that matches nothing publishes null, so one
 * missing value does not hide the others.
 */
import { z } from 'zod';
import { JSONPath } from 'jsonpath-plus';
import type { Reading } from '../core/driver.js';

/** `fields: {name: "$.json.path"}`: the published field names and where each value is found. */
export function jsonFields(example: Record<string, string>) {
  return z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/, 'field names are snake_case: lower-case letters, digits and _')
        .refine((k) => k !== 'ts', { message: "'ts' is the reading's timestamp" }),
      z.string().regex(/^\$/, 'a JSONPath starts with $, e.g. $.current.temp_c'),
    )
    .refine((r) => Object.keys(r).length > 0, { message: 'name at least one field' })
    .describe('Field name → JSONPath of its value in the response (jsonpath-plus syntax)')
    .meta({ examples: [example] });
}

/** One JSON value as a published field value. */
function asValue(v: unknown): Reading[string] {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** Evaluates each path on `json`; a path with several matches publishes them as a JSON array. */
export function pickFields(json: unknown, fields: Record<string, string>): Reading {
  const out: Reading = {};
  for (const [name, path] of Object.entries(fields)) {
    // 'safe' evaluates filter expressions with jsonpath-plus's own interpreter, never eval().
    const matches = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    out[name] = matches.length === 1 ? asValue(matches[0]) : matches.length === 0 ? null : JSON.stringify(matches);
  }
  return out;
}
