/**
 * M7 callbacks: webhooks registered over the API on a topic filter. Each callback is a bridge
 * (src/bridge/base.ts) with its own durable backlog, so it gets the same guarantees: every
 * matching message is kept on disk until the callback's server answers 2xx, sent one at a time in
 * order, and retried with a doubling backoff while the server is down, across restarts too. The
 * list of callbacks lives in `<data>/callbacks.json`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Service } from '../core/service.js';
import type { MqttLink } from '../mqtt/link.js';
import type { OutboxMessage } from '../publisher/outbox.js';
import { Bridge, type Forward, type Row } from '../bridge/base.js';
import { httpSend, safeUrl } from '../bridge/http.js';
import { bridgeSchemas, type WebhookBridgeConfig } from '../bridge/schema.js';
import type { LocalMessage } from '../bridge/template.js';
import { systemClock } from '../core/clock.js';
import { AtomicJsonFile } from '../state/atomic-file.js';
import { payloadJson } from './record-json.js';

/** One registered callback as kept on disk. The secret is never shown by the API. */
export interface CallbackDef {
  id: string;
  topic: string;
  url: string;
  secret?: string;
  created: string;
}

const defsSchema = z.array(
  z.object({ id: z.string().regex(/^[a-z0-9]+$/), topic: z.string(), url: z.string(), secret: z.string().optional(), created: z.string() }),
);

export const SIGNATURE_HEADER = 'x-hanode-signature';

/** `sha256=<hex HMAC-SHA256 of body>`. */
export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A callback's sender: a webhook bridge whose body is `{topic, payload, ts}`, signed when it has a secret. */
class CallbackSender extends Bridge<WebhookBridgeConfig> {
  #abort = new AbortController();
  #raw?: Buffer;

  constructor(
    config: WebhookBridgeConfig,
    ctx: ConstructorParameters<typeof Bridge>[1],
    private readonly secret: string | undefined,
  ) {
    super(config, ctx);
  }

  protected get ready(): boolean {
    return true;
  }

  protected async open(): Promise<void> {
    this.#abort = new AbortController();
    this.setOnline(true);
  }

  protected async close(): Promise<void> {
    this.#abort.abort();
  }

  override fromLocal(entry: Forward, topic: string, payload: Buffer, retained: boolean): void {
    this.#raw = payload;
    try {
      super.fromLocal(entry, topic, payload, retained);
    } finally {
      this.#raw = undefined;
    }
  }

  protected encode(_entry: Forward, msg: LocalMessage): Row[] {
    const now = this.ctx.clock.now();
    const body = JSON.stringify({ topic: msg.topic, ...payloadJson(this.#raw ?? Buffer.from(msg.text)), ts: now.toISOString() });
    return [{ topic: msg.topic, payload: Buffer.from(body), qos: 1, retain: false, ts: now.getTime() }];
  }

  protected encodeNotify(): Row[] {
    throw new Error('a callback takes no notify actions');
  }

  protected async deliver([row]: OutboxMessage[]): Promise<void> {
    const { url, timeout } = this.config;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.secret) headers[SIGNATURE_HEADER] = sign(this.secret, row.payload);
    const res = await httpSend(url, { method: 'POST', headers, body: row.payload, timeoutMs: timeout, signal: this.#abort.signal });
    if (res.status < 200 || res.status > 299) throw new Error(`${safeUrl(url)} answered ${res.status}`);
  }

  protected override afterDelivery(err: Error | undefined): void {
    this.setOnline(!err);
  }
}

export interface CallbackServiceContext {
  dataDir: string;
  link: MqttLink;
  log: Logger;
  /** At most this many callbacks. */
  max: number;
  /** Backoff after a failed delivery (ms); default 1 s doubling to 60 s. */
  retry?: { min: number; max: number };
}

interface Running {
  def: CallbackDef;
  sender: CallbackSender;
  handler: (topic: string, payload: Buffer, packet: { retain: boolean }) => void;
}

export class CallbackService implements Service {
  readonly name = 'callbacks';
  readonly #running = new Map<string, Running>();
  readonly #file: AtomicJsonFile<CallbackDef[]>;
  #saving = Promise.resolve();

  constructor(private readonly ctx: CallbackServiceContext) {
    // The callbacks' secrets are in it: readable by hanode's user only.
    this.#file = new AtomicJsonFile(join(ctx.dataDir, 'callbacks.json'), (raw) => defsSchema.parse(raw), 0o600);
  }

  async start(): Promise<void> {
    let defs: CallbackDef[] = [];
    try {
      defs = (await this.#file.read()) ?? [];
    } catch (err) {
      this.ctx.log.error(`callbacks: cannot read ${this.#file.file} (${(err as Error).message}); starting with none`);
    }
    for (const def of defs) await this.#run(def);
    if (defs.length) this.ctx.log.info(`callbacks: ${defs.length} registered`);
  }

  async stop(): Promise<void> {
    for (const r of this.#running.values()) {
      this.ctx.link.unsubscribe(r.handler);
      await r.sender.stop().catch(() => {});
    }
    this.#running.clear();
    await this.#saving;
  }

  list(): (Omit<CallbackDef, 'secret'> & { signed: boolean; backlog: number; online: boolean; last_error: string | null })[] {
    return [...this.#running.values()].map(({ def, sender }) => {
      const s = sender.status();
      return { id: def.id, topic: def.topic, url: def.url, created: def.created, signed: !!def.secret, backlog: s.backlog, online: s.online, last_error: s.lastError };
    });
  }

  get count(): number {
    return this.#running.size;
  }

  /** Registers a callback; throws a RangeError past the bound. */
  async add(req: { topic: string; url: string; secret?: string }): Promise<ReturnType<CallbackService['list']>[number]> {
    if (this.#running.size >= this.ctx.max) throw new RangeError(`${this.ctx.max} callbacks are registered already (http.max_callbacks); delete one first`);
    const def: CallbackDef = { id: randomBytes(6).toString('hex'), topic: req.topic, url: req.url, ...(req.secret ? { secret: req.secret } : {}), created: new Date().toISOString() };
    await this.#run(def);
    await this.#save();
    return this.list().find((c) => c.id === def.id)!;
  }

  /** Deletes a callback and its backlog; false when there is none. */
  async remove(id: string): Promise<boolean> {
    const r = this.#running.get(id);
    if (!r) return false;
    this.#running.delete(id);
    this.ctx.link.unsubscribe(r.handler);
    await r.sender.stop();
    await this.#save();
    const file = this.#backlogFile(id);
    await Promise.all(['', '-wal', '-shm'].map((s) => rm(file + s, { force: true })));
    return true;
  }

  #backlogFile(id: string): string {
    return join(this.ctx.dataDir, `callback-${id}.sqlite`);
  }

  async #run(def: CallbackDef): Promise<void> {
    const { log, dataDir, link } = this.ctx;
    const retry = this.ctx.retry ?? { min: 1_000, max: 60_000 };
    const config = bridgeSchemas().webhook.parse({ id: `callback-${def.id}`, type: 'webhook', url: def.url, rate: '100/s', retry, forward: [{ from: def.topic }] });
    const sender = new CallbackSender(
      config,
      {
        node: '',
        base: '',
        log: log.child({ callback: def.id }),
        dataDir,
        backlogFile: this.#backlogFile(def.id),
        clock: systemClock,
        publishLocal: () => Promise.reject(new Error('a callback publishes nothing')),
        onStatus: () => {},
        error: (message) => log.warn(`callback ${def.id}: ${message}`),
      },
      def.secret,
    );
    await sender.start();
    const entry = sender.forwards[0];
    // A retained message replayed on subscribing is old news, not a message that just happened.
    const handler = (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      if (!packet.retain) sender.fromLocal(entry, topic, payload, false);
    };
    link.subscribe(def.topic, handler, { qos: 1 });
    this.#running.set(def.id, { def, sender, handler });
  }

  #save(): Promise<void> {
    const defs = [...this.#running.values()].map((r) => r.def);
    this.#saving = this.#saving.then(() => this.#file.write(defs)).catch((err) => this.ctx.log.error(`callbacks: cannot save ${this.#file.file}: ${(err as Error).message}`));
    return this.#saving;
  }
}
