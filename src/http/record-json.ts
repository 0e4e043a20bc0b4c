/** How a stored message looks in the API: JSON when it is JSON, text when it is text, base64 otherwise. */
import { recordText } from '../history/record-text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface PayloadJson {
  payload: unknown;
  encoding?: 'base64';
}

/** `payload` is text when the store already knows it is UTF-8, else the bytes. */
export function payloadJson(stored: Buffer | string): PayloadJson {
  let text: string;
  if (typeof stored === 'string') text = stored;
  else {
    try {
      text = utf8.decode(stored);
    } catch {
      return { payload: stored.toString('base64'), encoding: 'base64' };
    }
  }
  try {
    return { payload: JSON.parse(text) };
  } catch {
    return { payload: text };
  }
}

export function recordJson(r: { id: number; topic: string; payload: Buffer | string; ts: number }): Record<string, unknown> {
  const { payload, encoding } = payloadJson(r.payload);
  return { id: r.id, topic: r.topic, payload, ...(encoding ? { encoding } : {}), ts: new Date(r.ts).toISOString() };
}

/**
 * `{"records":[…]}` for D2/D3, written as text: a payload that is JSON goes in as the text it was
 * sent as, rather than parsed into objects and serialized again. Each record reads exactly as
 * {@link recordJson} makes it. (The store's query thread writes the same text with the same
 * function; this is for rows already on this thread.)
 */
export function recordsJson(rows: readonly { id: number; topic: string; payload: Buffer | string; ts: number }[]): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) parts[i] = recordText(rows[i].id, rows[i].topic, rows[i].payload, rows[i].ts);
  return `{"records":[${parts.join(',')}]}`;
}
