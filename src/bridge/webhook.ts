/**
 * `webhook`: each forwarded message (or notify action) is one HTTP POST or PUT of a body
 * template. A 2xx answer means delivered; anything else, or no answer within the timeout, is
 * tried again later with a doubling backoff, the message waiting in the backlog meanwhile. The
 * bridge is online while deliveries succeed.
 */
import type { OutboxMessage } from '../publisher/outbox.js';
import { Bridge, type Forward, type Row } from './base.js';
import { httpSend, safeUrl } from './http.js';
import type { WebhookBridgeConfig } from './schema.js';
import { localMessage, renderPayload, type LocalMessage } from './template.js';

export class WebhookBridge extends Bridge<WebhookBridgeConfig> {
  #abort = new AbortController();

  protected get ready(): boolean {
    return true;
  }

  protected async open(): Promise<void> {
    this.#abort = new AbortController();
    this.log.info(`sending to ${safeUrl(this.config.url)}`);
    this.setOnline(true);
  }

  protected async close(): Promise<void> {
    this.#abort.abort();
  }

  protected encode(entry: Forward, msg: LocalMessage): Row[] {
    const template = (entry as WebhookBridgeConfig['forward'][number]).body ?? this.config.body;
    const body = renderPayload(template, msg);
    if (body === undefined) return [];
    return [{ topic: msg.topic, payload: Buffer.from(body), qos: 1, retain: false, ts: msg.ts.getTime() }];
  }

  /** The bridge's body template over the notify action's fields, or the fields as JSON. */
  protected encodeNotify(p: Record<string, unknown>): Row[] {
    const now = this.ctx.clock.now();
    const msg = localMessage(`${this.ctx.base}/${this.ctx.node}/$bridge/${this.id}`, JSON.stringify(p), now);
    const body = this.config.body ? renderPayload(this.config.body, msg) : JSON.stringify(p);
    if (body === undefined) throw new Error(`the body template of bridge '${this.id}' names a field the notify action does not give`);
    return [{ topic: msg.topic, payload: Buffer.from(body), qos: 1, retain: false, ts: now.getTime() }];
  }

  protected async deliver([row]: OutboxMessage[]): Promise<void> {
    const { url, method, headers, timeout } = this.config;
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    const type = isJson(row.payload) ? 'application/json' : 'text/plain; charset=utf-8';
    const res = await httpSend(url, {
      method,
      headers: has('content-type') ? headers : { 'content-type': type, ...headers },
      body: row.payload,
      timeoutMs: timeout,
      signal: this.#abort.signal,
    });
    if (res.status < 200 || res.status > 299) throw new Error(`${safeUrl(url)} answered ${res.status}`);
  }

  protected override afterDelivery(err: Error | undefined): void {
    this.setOnline(!err);
  }
}

function isJson(b: Buffer): boolean {
  try {
    JSON.parse(b.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
