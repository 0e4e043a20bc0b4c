/** How a stored message looks in the API: JSON when it is JSON, text when it is text, base64 otherwise. */

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
 * sent as, rather than parsed into objects and serialized again (a day of one topic is 86,400 of
 * them). Each record reads exactly as {@link recordJson} makes it.
 */
export function recordsJson(rows: readonly { id: number; topic: string; payload: Buffer | string; ts: number }[]): string {
  const topics = new Map<string, string>();
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let topic = topics.get(r.topic);
    if (topic === undefined) topics.set(r.topic, (topic = JSON.stringify(r.topic)));
    let payload: string;
    let text: string | undefined = typeof r.payload === 'string' ? r.payload : undefined;
    if (text === undefined) {
      try {
        text = utf8.decode(r.payload as Buffer);
      } catch {
        payload = `${JSON.stringify((r.payload as Buffer).toString('base64'))},"encoding":"base64"`;
      }
    }
    if (text !== undefined) payload = isJson(text) ? text.trim() : JSON.stringify(text);
    parts[i] = `{"id":${r.id},"topic":${topic},"payload":${payload!},"ts":"${new Date(r.ts).toISOString()}"}`;
  }
  return `{"records":[${parts.join(',')}]}`;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
