/** How a stored message looks in the API: JSON when it is JSON, text when it is text, base64 otherwise. */

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface PayloadJson {
  payload: unknown;
  encoding?: 'base64';
}

export function payloadJson(bytes: Buffer): PayloadJson {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { payload: bytes.toString('base64'), encoding: 'base64' };
  }
  try {
    return { payload: JSON.parse(text) };
  } catch {
    return { payload: text };
  }
}

export function recordJson(r: { id: number; topic: string; payload: Buffer; ts: number }): Record<string, unknown> {
  const { payload, encoding } = payloadJson(r.payload);
  return { id: r.id, topic: r.topic, payload, ...(encoding ? { encoding } : {}), ts: new Date(r.ts).toISOString() };
}
