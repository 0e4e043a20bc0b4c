/**
 * The HTTP API (README "HTTP API and history"): one fastify server in the agent, with JSON-schema
 * validation on every route, errors as `{error, detail}`, a bearer token when set (required on any
 * address other machines can reach), and bounds on body size, concurrent requests and every input.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import type { Service } from '../core/service.js';
import { parseSetPayload } from '../core/set-payload.js';
import type { HistoryService } from '../history/recorder.js';
import type { MqttLink } from '../mqtt/link.js';
import { bearerCheck } from './auth.js';
import type { CallbackService } from './callbacks.js';
import { NodeDirectory } from './directory.js';
import { ApiError, apiError } from './errors.js';
import { LIMITS } from './limits.js';
import type { Counter, Metrics } from './metrics.js';
import { recordRoutes } from './records.js';
import { dashboardRoutes, type DashboardContext } from './dashboard/routes.js';
import { httpExposureProblem, type HttpConfig } from './schema.js';
import { timeNow, type TimeNow } from './time.js';

export interface HttpServiceContext {
  config: HttpConfig;
  base: string;
  link: MqttLink;
  bus: EventBus;
  log: Logger;
  metrics: Metrics;
  /** Present when `history:` is configured; the record routes answer 503 otherwise. */
  history?: HistoryService;
  callbacks: CallbackService;
  /** The node's outputs: a command exactly as `/set` gives it. */
  outputs: { command(id: string, command: Record<string, unknown>): Promise<Reading> };
  /** Resolves once the states handed to the publisher so far have reached the broker (or it is offline). */
  published?: () => Promise<void>;
  /** This node's health (the `health` request). */
  health: () => Record<string, unknown>;
  /** M1: publishes the time on `B/$time`. */
  publishTime: () => Promise<TimeNow>;
  /** The dashboard on `GET /` and its `/api` routes (README "Dashboard"). */
  dashboard?: DashboardContext;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const FILTER = '^(?:(?:[^+#/]*|\\+)/)*(?:[^+#/]*|\\+|#)$';

export class HttpService implements Service {
  readonly name = 'http';
  #app?: FastifyInstance;
  #directory?: NodeDirectory;
  #failedAuth?: Counter;
  #inflight = 0;

  constructor(private readonly ctx: HttpServiceContext) {}

  /** `http://host:port` once listening. */
  get url(): string | undefined {
    const addr = this.#app?.server.address();
    if (!addr || typeof addr === 'string') return undefined;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}`;
  }

  async start(): Promise<void> {
    const { config, log, link, base } = this.ctx;
    const problem = httpExposureProblem(config);
    if (problem) throw new Error(problem);
    this.#directory = new NodeDirectory({ base, link, log });
    this.#directory.start();
    this.#failedAuth = this.ctx.metrics.counter('hanode_http_auth_failures_total', 'Requests refused for a missing or wrong bearer token');
    // Loaded here, not at the top: a node without `http:` never pays for fastify at start-up.
    const { default: Fastify } = await import('fastify');
    const app = (this.#app = Fastify({ bodyLimit: LIMITS.bodyBytes, logger: false, return503OnClosing: true }));
    this.#guard(app);
    app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: LIMITS.bodyBytes }, (_req, body, done) => done(null, body));
    recordRoutes(app, () => {
      if (!this.ctx.history) throw new ApiError(503, 'history is off', 'add a history: section to hanode.yaml to record messages');
      return this.ctx.history.store;
    });
    this.#routes(app);
    if (this.ctx.dashboard) dashboardRoutes(app, this.#directory, this.ctx.dashboard);
    await app.listen({ host: config.host, port: config.port });
    log.info(`http: serving the API${this.ctx.dashboard ? ' and the dashboard' : ''} on ${this.url}${config.token ? ' (bearer token required)' : ''}`);
  }

  async stop(): Promise<void> {
    this.#directory?.stop();
    await this.#app?.close();
    this.#app = undefined;
  }

  /** Auth, the concurrency bound, and the error format. */
  #guard(app: FastifyInstance): void {
    const { token, max_concurrent } = this.ctx.config;
    const check = token ? bearerCheck(token) : undefined;
    app.addHook('onRequest', async (req, reply) => {
      if (check && (req.url.startsWith('/api') || req.url.startsWith('/metrics')) && !check(req.headers.authorization)) {
        this.#failedAuth!.inc();
        return apiError(reply.header('www-authenticate', 'Bearer'), 401, 'unauthorized', 'expected the header Authorization: Bearer <http.token>');
      }
      if (this.#inflight >= max_concurrent) return apiError(reply, 503, 'busy', `${max_concurrent} requests are being served (http.max_concurrent); try again`);
      this.#inflight++;
      // 'close' comes once per response, sent or aborted, so a client that hangs up frees its slot.
      reply.raw.once('close', () => this.#inflight--);
    });
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      if (err instanceof ApiError) return apiError(reply, err.status, err.error, err.detail);
      if (err.validation) return apiError(reply, 400, 'invalid request', `${err.validationContext}${err.message.replace(/^(body|querystring|params)/, '')}`);
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return apiError(reply, 413, 'body too large', `at most ${LIMITS.bodyBytes} bytes`);
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return apiError(reply, 415, 'unsupported media type', 'send application/json or text/plain');
      if (err.statusCode && err.statusCode < 500) return apiError(reply, err.statusCode, 'invalid request', err.message);
      this.ctx.log.error({ err }, `http: ${err.message}`);
      return apiError(reply, 500, 'internal error', err.message);
    });
    app.setNotFoundHandler((req, reply) => apiError(reply, 404, 'not found', `no route ${req.method} ${req.url.split('?')[0]}`));
  }

  #routes(app: FastifyInstance): void {
    const { callbacks } = this.ctx;
    app.post('/api/time/publish', async () => this.ctx.publishTime());
    app.get('/api/time', async () => timeNow());
    app.get<{ Querystring: { length: number } }>(
      '/api/random',
      { schema: { querystring: { type: 'object', additionalProperties: false, properties: { length: { type: 'integer', minimum: 1, maximum: LIMITS.randomMax, default: 16 } } } } },
      async (req) => ({ value: Array.from({ length: req.query.length }, () => ALNUM[randomInt(ALNUM.length)]).join('') }),
    );
    app.get('/api/uuid', async () => ({ uuid: randomUUID() }));

    app.post<{ Params: { id: string }; Body: unknown }>(
      '/api/outputs/:id',
      { schema: { params: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 } }, required: ['id'] } } },
      async (req, reply) => {
        const body = req.body;
        const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
        const parsed = parseSetPayload(text);
        if (!parsed.ok) return apiError(reply, 400, 'invalid command', parsed.error);
        try {
          const state = await this.ctx.outputs.command(req.params.id, parsed.command);
          // The answer comes once the new state is published, as for a `/set`.
          await this.ctx.published?.();
          return { status: 'ok', state };
        } catch (err) {
          const message = (err as Error).message;
          return apiError(reply, /^no output/.test(message) ? 404 : 400, /^no output/.test(message) ? 'not found' : 'command refused', message);
        }
      },
    );

    app.post<{ Body: { topic: string; url: string; secret?: string } }>(
      '/api/callbacks',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['topic', 'url'],
            properties: {
              topic: { type: 'string', minLength: 1, maxLength: LIMITS.topicChars, pattern: FILTER },
              url: { type: 'string', minLength: 1, maxLength: LIMITS.urlChars, pattern: '^https?://' },
              secret: { type: 'string', minLength: 1, maxLength: LIMITS.secretChars },
            },
          },
        },
      },
      async (req, reply) => {
        try {
          new URL(req.body.url);
        } catch {
          return apiError(reply, 400, 'invalid request', `url: ${JSON.stringify(req.body.url)} is not a valid URL`);
        }
        try {
          return reply.code(201).send(await callbacks.add(req.body));
        } catch (err) {
          if (err instanceof RangeError) return apiError(reply, 409, 'too many callbacks', err.message);
          throw err;
        }
      },
    );
    app.get('/api/callbacks', async () => ({ callbacks: callbacks.list() }));
    app.delete<{ Params: { id: string } }>(
      '/api/callbacks/:id',
      { schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] } } },
      async (req, reply) => ((await callbacks.remove(req.params.id)) ? { deleted: 1 } : apiError(reply, 404, 'not found', `no callback ${req.params.id}`)),
    );

    app.get('/api/state', async () => this.#directory!.state());
    app.get('/api/nodes', async () => ({ nodes: this.#directory!.nodes() }));
    app.get('/api/health', async () => this.ctx.health());
    app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(this.ctx.metrics.render()));
  }
}
