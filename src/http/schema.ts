/** The `http:` and `time:` sections of hanode.yaml (README "HTTP API and history"); each off unless present. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { once } from '../core/once.js';
import { duration } from '../schemes/pieces.js';

const text = <T extends z.ZodType<string>>(inner: T) => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), inner);
const digits = <T extends z.ZodType<number>>(inner: T) => z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), inner);

export const httpSchema = once(() =>
  z
    .object({
      host: text(z.string().min(1)).default('127.0.0.1').describe('Address to listen on; any other than loopback needs a token'),
      port: digits(z.number().int().min(0).max(65535)).default(8420),
      token: text(z.string().min(16, 'expected a token of at least 16 characters').max(512)).optional().describe('Bearer token every request must carry; use !secret'),
      max_callbacks: digits(z.number().int().min(1).max(1000)).default(100).describe('How many callbacks may be registered'),
      max_concurrent: digits(z.number().int().min(1).max(10_000)).default(64).describe('Requests served at once; more get 503'),
    })
    .strict()
    .superRefine((http, ctx) => {
      const problem = httpExposureProblem(http);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['host'] });
    }),
);

export const timeSchema = once(() =>
  z
    .object({
      publish_every: duration('Publish the time on B/$time this often').refine((ms) => ms >= 1_000, { message: 'expected at least 1s' }).optional(),
    })
    .strict(),
);

export type HttpConfig = z.output<ReturnType<typeof httpSchema>>;
export type TimeConfig = z.output<ReturnType<typeof timeSchema>>;

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Why an `http:` section must not start, or undefined. */
export function httpExposureProblem(http: Pick<HttpConfig, 'host' | 'token'>): string | undefined {
  if (isLoopbackHost(http.host) || http.token) return undefined;
  return `http.host is ${http.host}, which other machines can reach, and http.token is not set: refusing to serve the HTTP API without a token. Set http.token (e.g. token: !secret http_token) or bind to 127.0.0.1`;
}

/**
 * The dashboard's address as another machine would use it (Home Assistant's `configuration_url`):
 * the host it listens on, or this machine's name when it listens on every address. Undefined
 * when the port is picked at start (0), since it is not known yet.
 */
export function dashboardUrl(http: Pick<HttpConfig, 'host' | 'port'> | undefined, machine: string = hostname()): string | undefined {
  if (!http || http.port === 0) return undefined;
  const any = http.host === '0.0.0.0' || http.host === '::' || http.host === '[::]';
  const host = any ? machine : http.host;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${http.port}/`;
}
