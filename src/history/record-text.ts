/**
 * One record as the API writes it (CONTRACT §8): `{"id","topic","payload","ts"}`, the payload as
 * the JSON it was sent as when it is JSON, as a JSON string when it is other text, and in base64
 * with `"encoding":"base64"` when its bytes are not UTF-8.
 *
 * The history's threads render records too (the query thread answers D2/D3 as text, the writer
 * keeps series blocks of rendered records), and they cannot load TypeScript: they get this
 * function's source. So it stays self-contained: no imports, no helpers, no inner functions.
 */
export function recordText(id: number, topic: string, payload: string | Uint8Array, ts: number): string {
  let text: string | undefined;
  let body: string;
  if (typeof payload === 'string') text = payload;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
    } catch {
      text = undefined;
    }
  }
  if (text === undefined) {
    body = JSON.stringify(Buffer.from(payload as Uint8Array).toString('base64')) + ',"encoding":"base64"';
  } else {
    let json = true;
    try {
      JSON.parse(text);
    } catch {
      json = false;
    }
    body = json ? text.trim() : JSON.stringify(text);
  }
  return '{"id":' + id + ',"topic":' + JSON.stringify(topic) + ',"payload":' + body + ',"ts":"' + new Date(ts).toISOString() + '"}';
}

/** Source for a thread that declares `recordText` (a minified build renames the function itself). */
export function recordTextSource(): string {
  return `const recordText = (${recordText.toString()});`;
}
