/**
 * A webhook: each command becomes one HTTP request whose URL, headers and body are templates
 * over the payload (`{{value}}`, `{{text}}`, `{{state}}`, any payload field) and other schemes'
 * states (`{{kitchen-climate.temperature}}`). A 2xx answer is success. Network errors, timeouts,
 * 429 and 5xx are retried with exponential backoff; other answers are final. A request that
 * finally fails is refused on `$error`; the scheme stays online.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { CommandError, defineOutput, fromPayload, type Reading } from '../core/driver.js';
import { duration, template } from '../schemes/pieces.js';
import { jsonTemplateProblems } from '../core/template.js';
import { Template, firstOf, objectLookup, statesLookup, type Lookup } from './template.js';

const MAX_BACKOFF_MS = 60_000;

/** Renders every string in a JSON body; a string that is one tag keeps the value's type (numbers stay numbers). */
function renderJson(node: unknown, lookup: Lookup): unknown {
  if (typeof node === 'string') return new Template(node).value(lookup);
  if (Array.isArray(node)) return node.map((n) => renderJson(n, lookup));
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, renderJson(v, lookup)]));
  return node;
}

/** The URL without its user info (sent as Basic auth instead: fetch refuses URLs with credentials). */
function splitCredentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (!u.username && !u.password) return { url: raw };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization };
}

/** Scheme, host and path only: user info and query strings often hold tokens. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The `http` output driver: a webhook with templates, a timeout and retries. */
export const http = defineOutput({
  name: 'http',
  direction: 'output',
  description:
    'Webhook: each command is an HTTP request with a templated URL, headers and body ({{value}}, {{text}}, {{state}}, payload fields, {{scheme.field}}), a timeout and retries with backoff; 2xx is success.',
  bus: 'network',
  schema: z.object({
    url: template('Where to send the request')
      .regex(/^https?:\/\/\S+$/i, 'expected an http:// or https:// URL')
      .describe('Where to send the request; templates in it are URL-encoded')
      .meta({ examples: ['https://hooks.example.com/notify?msg={{text}}'] }),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST').describe('HTTP method'),
    headers: z.record(z.string(), template('A header value')).default({}).describe('Request headers; values may be templates').meta({ examples: [{ Authorization: 'Bearer abc123' }] }),
    body: z
      .union([
        template('A text template'),
        z.record(z.string(), z.unknown()).superRefine((body, ctx) => {
          for (const p of jsonTemplateProblems(body)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
        }),
      ])
      .optional()
      .describe('A text template, or a JSON object whose strings are templates ("{{value}}" alone keeps the number); default: the payload as JSON (not for GET)')
      .meta({ examples: [{ temperature: '{{kitchen-climate.temperature}}', message: '{{text}}' }] }),
    timeout: duration('How long one attempt may take').prefault('10s').meta({ examples: ['10s'] }),
    retries: z.number().int().min(0).max(10).default(2).describe('Further attempts after a network error, a timeout, 429 or 5xx'),
    backoff: duration('Wait before the first retry; doubles for each further one (at most 60 s)').prefault('1s'),
  }),
  command: z.record(z.string(), z.unknown()).describe('Any payload; its fields fill the templates'),
  fields: [
    { name: 'status', type: 'integer', description: 'HTTP status of the successful answer' },
    { name: 'attempts', type: 'integer', description: 'How many attempts it took' },
  ],
  example: {
    id: 'notify-phone',
    driver: 'http',
    url: 'https://ntfy.example.com/hall',
    method: 'POST',
    headers: { Title: 'Hall' },
    body: '{{text}}',
    timeout: '5s',
    retries: 3,
  },
  create(options, ctx) {
    const stopping = new AbortController();
    const urlTemplate = new Template(options.url);
    const headerTemplates = Object.entries(options.headers).map(([k, v]) => [k, new Template(v)] as const);
    const bodyTemplate = typeof options.body === 'string' ? new Template(options.body) : undefined;

    const request = (command: Record<string, unknown>) => {
      const lookup = firstOf(objectLookup(command), statesLookup(ctx.states));
      const { url, authorization } = splitCredentials(urlTemplate.render(lookup, { encode: encodeURIComponent }));
      const headers = new Headers();
      for (const [name, template] of headerTemplates) {
        const value = template.render(lookup);
        // A line break in a header value would start a header of the sender's choosing.
        if (/[\r\n\0]/.test(value)) throw new CommandError(`the command cannot be sent: header ${name} would hold a line break or NUL; refused`);
        headers.set(name, value);
      }
      if (authorization && !headers.has('authorization')) headers.set('authorization', authorization);
      let body: string | undefined;
      let type = 'application/json';
      if (bodyTemplate) [body, type] = [bodyTemplate.render(lookup), 'text/plain; charset=utf-8'];
      else if (options.body) body = JSON.stringify(renderJson(options.body, lookup));
      else if (options.method !== 'GET') body = JSON.stringify(command);
      if (body !== undefined && !headers.has('content-type')) headers.set('content-type', type);
      return { url, init: { method: options.method, headers, body } };
    };

    return {
      async start() {
        if (options.method === 'GET' && options.body !== undefined) throw new Error('a GET request cannot carry a body; use POST or drop body');
        return {};
      },
      async apply(command) {
        const { url, init } = fromPayload(() => request(command));
        for (let attempt = 1; ; attempt++) {
          let problem: string;
          let retry = true;
          try {
            const res = await fetch(url, { ...init, signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(options.timeout)]) });
            await res.body?.cancel().catch(() => {}); // the answer's content is not used; free the connection
            if (res.ok) return { status: res.status, attempts: attempt } satisfies Reading;
            problem = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
            retry = res.status >= 500 || res.status === 429;
          } catch (err) {
            const e = err as Error & { cause?: { code?: string; message?: string } };
            if (stopping.signal.aborted) throw new CommandError('stopped while sending');
            problem = e.name === 'TimeoutError' ? `timed out after ${options.timeout} ms` : (e.cause?.message ?? e.cause?.code ?? e.message);
          }
          if (!retry || attempt > options.retries) {
            throw new CommandError(`${options.method} ${shown(url)}: ${problem}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`);
          }
          const wait = Math.min(options.backoff * 2 ** (attempt - 1), MAX_BACKOFF_MS);
          ctx.log.debug(`${ctx.id}: ${problem}; retrying in ${wait} ms`);
          await sleep(wait, undefined, { signal: stopping.signal }).catch(() => {
            throw new CommandError('stopped while waiting to retry');
          });
        }
      },
      async stop() {
        stopping.abort();
      },
    };
  },
});
