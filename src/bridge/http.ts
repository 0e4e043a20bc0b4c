/** HTTP for the webhook and ThingSpeak bridges: one request with a timeout, errors that name no secret. */

export interface HttpRequest {
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
  /** Aborts the request, e.g. when the bridge stops. */
  signal?: AbortSignal;
}

/** The URL for logs: scheme, host and path, never user info or the query string. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Sends one request; resolves with the status and body text, rejects on no answer. */
export async function httpSend(url: string, req: HttpRequest): Promise<{ status: number; text: string }> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  try {
    const res = await fetch(url, { method: req.method, headers: req.headers, body: req.body, signal });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (timeout.aborted) throw new Error(`${safeUrl(url)}: no answer within ${req.timeoutMs} ms`);
    if (req.signal?.aborted) throw new Error(`${safeUrl(url)}: cancelled`);
    throw new Error(`${safeUrl(url)}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  }
}
