/**
 * Polls a JSON API (weather, a solar inverter, another service on the LAN) and publishes the
 * fields picked out with JSONPath. A non-2xx status, a timeout, an oversized or non-JSON body is
 * a failed read: the scheme goes unavailable and the last good state stays retained.
 */
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import { duration, polled } from '../schemes/pieces.js';
import { jsonFields, pickFields } from './json-fields.js';

/** Larger answers are refused: a JSON API that sends megabytes is not what this driver is for. */
const MAX_BODY = 1024 * 1024;

/** The URL without query or credentials, for errors and logs (API keys often sit in the query). */
function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

async function readCapped(res: Response): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error(`response larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const httpJson = defineInput({
  name: 'http-json',
  direction: 'input',
  description: 'Polls a JSON API over HTTP(S) and publishes the fields named in `fields`, picked with JSONPath (weather, inverters, LAN services).',
  bus: 'network',
  schema: z.object({
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .describe('The URL to fetch')
      .meta({ examples: ['https://api.example.com/v1/current.json?q=Paris'] }),
    method: z.enum(['GET', 'POST']).default('GET').describe('HTTP method').meta({ examples: ['GET'] }),
    headers: z.record(z.string(), z.string()).default({}).describe('Request headers, e.g. an API key').meta({ examples: [{ 'X-Api-Key': 'abc123' }] }),
    body: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe('Request body for POST; a mapping is sent as JSON')
      .meta({ examples: [{ query: 'status' }] }),
    timeout: duration('Give up on a request after this long').prefault('10s').meta({ examples: ['10s'] }),
    fields: jsonFields({ temperature: '$.current.temp_c', humidity: '$.current.humidity' }),
    ...polled('5m'),
  }),
  // The fields are the user's: the keys of `fields`.
  fields: [],
  example: {
    id: 'outdoor-weather',
    driver: 'http-json',
    url: 'https://api.example.com/v1/current.json?q=Paris',
    headers: { 'X-Api-Key': 'abc123' },
    fields: { temperature: '$.current.temp_c', humidity: '$.current.humidity', condition: '$.current.condition.text' },
    interval: '10m',
  },
  polled: true,
  create(options) {
    const url = new URL(options.url);
    const body = options.body === undefined || typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (typeof options.body === 'object' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';

    return {
      async start() {},
      async read() {
        let res: Response;
        let text: string;
        try {
          res = await fetch(url, {
            method: options.method,
            headers,
            body: options.method === 'POST' ? body : undefined,
            redirect: 'follow',
            signal: AbortSignal.timeout(options.timeout),
          });
          if (!res.ok) {
            await res.body?.cancel().catch(() => {});
            throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
          }
          text = await readCapped(res);
        } catch (err) {
          const e = err as Error;
          const why = e.name === 'TimeoutError' ? `no answer within ${options.timeout} ms` : ((e.cause as Error | undefined)?.message ?? e.message);
          throw new Error(`${options.method} ${shown(url)}: ${why}`, { cause: err });
        }
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new Error(`${options.method} ${shown(url)}: the answer is not JSON (${JSON.stringify(text.slice(0, 60))})`);
        }
        return pickFields(json, options.fields);
      },
      async stop() {},
    };
  },
});
