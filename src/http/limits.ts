/** The HTTP API's bounds (README "HTTP API and history"): each has a test at its edge. */
import { MAX_PAYLOAD_BYTES } from '../core/limits.js';

export const LIMITS = {
  /** Request body, bytes: as much as a `/set` payload may be. */
  bodyBytes: MAX_PAYLOAD_BYTES,
  /** D2/D3 `limit`. */
  maxLimit: 10_000,
  defaultLimit: 100,
  /** `to - from` at most, ms (400 days). */
  maxRangeMs: 400 * 86_400_000,
  topicChars: 256,
  urlChars: 2_048,
  secretChars: 256,
  fieldChars: 128,
  valueChars: 256,
  timeChars: 40,
  /** M3 `length`. */
  randomMax: 256,
  /** D6 deletes in batches of this many rows. */
  deleteBatch: 1_000,
  /** D6 by a payload condition alone reads the table this many ids at a time. */
  deleteSlice: 20_000,
} as const;
