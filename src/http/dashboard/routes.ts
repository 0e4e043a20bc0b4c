/**
 * The dashboard's routes (README "Dashboard"): `GET /` and `/dashboard/*` serve the page (no token:
 * it holds no data and asks for the token itself); the data it needs comes from `/api`, under the
 * same bearer token as the rest of the API:
 * - `GET /api/events`: the live feed as Server-Sent Events, starting with a snapshot;
 * - `GET /api/dashboard/schemes`: this node's schemes, their fields, units and controls;
 * - `GET /api/dashboard/drafts`: what `hanode scan --write <schemes dir>` would write now;
 * - `POST /api/dashboard/pair` `{"for"}`: opens the gateway's pairing window, as `$request/pair`.
 */
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DriverRegistry } from '../../core/registry.js';
import type { SchemeRuntime } from '../../runtime/schemes.js';
import type { DraftPlan } from '../../schemes/drafts.js';
import type { NodeDirectory } from '../directory.js';
import { apiError } from '../errors.js';
import { loadAssets, type Asset } from './assets.js';
import { DASHBOARD_LIMITS, type DashboardFeed } from './feed.js';

export interface DashboardContext {
  base: string;
  node: string;
  feed: DashboardFeed;
  registry: DriverRegistry;
  schemes: SchemeRuntime;
  /** What `scan --write` would write into the schemes directory, from the node's last scan. */
  drafts: () => Promise<DraftPlan & { dir: string }>;
  /** A `$request` operation (`pair`), answered as its `data` or thrown as its error. */
  request: (op: string, args: Record<string, unknown>) => Promise<unknown>;
}

/** How the page can drive an output: worked out from the driver's command schema. */
export interface Controls {
  toggle?: true;
  slider?: { field: string; min: number; max: number; unit?: string };
  text?: true;
  for?: true;
}

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The controls an output's command schema allows. */
export function controlsOf(command: z.ZodType, fields: { name: string; unit?: string }[]): Controls {
  let schema: { properties?: Record<string, { enum?: unknown[]; minimum?: number; maximum?: number; type?: string }> };
  try {
    schema = z.toJSONSchema(command, { unrepresentable: 'any' }) as typeof schema;
  } catch {
    return {};
  }
  const props = schema.properties ?? {};
  const controls: Controls = {};
  if (props.state?.enum?.includes('ON') && props.state.enum.includes('OFF')) controls.toggle = true;
  for (const field of ['brightness', 'angle', 'position', 'level']) {
    const p = props[field];
    if (p && typeof p.minimum === 'number' && typeof p.maximum === 'number') {
      controls.slider = { field, min: p.minimum, max: p.maximum, unit: fields.find((f) => f.name === field)?.unit };
      break;
    }
  }
  if (props.text) controls.text = true;
  if (props.for && controls.toggle) controls.for = true;
  return controls;
}

export function dashboardRoutes(app: FastifyInstance, directory: NodeDirectory, ctx: DashboardContext): void {
  const assets = loadAssets();
  const send = (req: FastifyRequest, reply: FastifyReply, asset: Asset) => {
    reply.header('etag', asset.etag).header('cache-control', 'no-cache').header('content-security-policy', CSP).header('x-content-type-options', 'nosniff');
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    reply.type(asset.type).header('vary', 'accept-encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.raw);
  };
  app.get('/', async (req, reply) => send(req, reply, assets.get('index.html')!));
  app.get<{ Params: { '*': string } }>('/dashboard/*', async (req, reply) => {
    const asset = assets.get(req.params['*']);
    return asset ? send(req, reply, asset) : apiError(reply, 404, 'not found', `no dashboard file ${req.params['*']}`);
  });

  // Open streams never end by themselves: the server's close would wait for them.
  app.addHook('preClose', async () => ctx.feed.endAll());
  app.get('/api/events', async (_req, reply) => {
    const first = { base: ctx.base, node: ctx.node, nodes: directory.nodes(), state: directory.state(), ...ctx.feed.snapshot() };
    if (ctx.feed.clients >= DASHBOARD_LIMITS.clients) {
      return apiError(reply, 503, 'too many live pages', `${DASHBOARD_LIMITS.clients} dashboard pages are open already (the most at once); close one and reload`);
    }
    reply.hijack();
    ctx.feed.attach(reply.raw, first);
  });

  app.get('/api/dashboard/schemes', async () => {
    const status = new Map(ctx.schemes.status().map((s) => [s.id, s]));
    const schemes = ctx.schemes.all().map(({ scheme, enabled }) => {
      const def = ctx.registry.get(scheme.direction, scheme.driver);
      const fields = (def?.fields ?? []).map((f) => ({ name: f.name, type: f.type, ...(f.unit ? { unit: f.unit } : {}) }));
      const s = status.get(scheme.id);
      return {
        id: scheme.id,
        name: typeof scheme.options.name === 'string' ? scheme.options.name : undefined,
        direction: scheme.direction,
        driver: scheme.driver,
        enabled,
        online: s?.online ?? false,
        ...(s?.error ? { error: s.error } : {}),
        fields,
        ...(def && 'command' in def ? { controls: controlsOf(def.command, fields) } : {}),
      };
    });
    return { node: ctx.node, base: ctx.base, schemes: schemes.sort((a, b) => a.id.localeCompare(b.id)), invalid: ctx.schemes.invalidFiles() };
  });

  app.get('/api/dashboard/drafts', async () => ctx.drafts());

  app.post<{ Body: { for?: string } }>(
    '/api/dashboard/pair',
    { schema: { body: { type: 'object', additionalProperties: false, properties: { for: { type: 'string', minLength: 1, maxLength: 32 } } } } },
    async (req, reply) => {
      try {
        return await ctx.request('pair', { for: req.body?.for ?? '2m' });
      } catch (err) {
        return apiError(reply, 400, 'pairing refused', (err as Error).message);
      }
    },
  );
}
