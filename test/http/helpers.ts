/** Shared pieces of the history and HTTP API tests. */
import { nodeDir } from '../helpers/node.js';
import type { Config } from '../../src/config/config.js';
import { historySchema } from '../../src/history/schema.js';
import { httpSchema } from '../../src/http/schema.js';

export const RECORDER_SCHEMES = {
  'r.yaml': `
outputs:
  - id: lamp
    driver: gpio-out
    pin: 17
`,
};

/** r-node: records and serves the API on a free loopback port unless `http` says otherwise. */
export function recorderConfig(url: string, opts: { history?: Record<string, unknown>; http?: Record<string, unknown>; node?: string } = {}): Config {
  const config = nodeDir({ url, node: opts.node ?? 'r-node', schemes: RECORDER_SCHEMES });
  config.history = historySchema().parse(opts.history ?? {});
  config.http = httpSchema().parse({ port: 0, ...opts.http });
  return config;
}

/** A request with a JSON body (unless the body is text already); the answer's status and parsed body. */
export async function api(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (typeof init.body === 'string') body = init.body;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method: init.method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text is the body
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Retries `check` until it passes or `timeoutMs` runs out; then its last failure is thrown. */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
