/**
 * `thingspeak`: hanode fields mapped to a channel's field1…field8 (and status, latitude,
 * longitude, elevation), sent over HTTP (`/update` with the write API key) or MQTT
 * (`channels/<id>/publish` with the channel's device credentials), never faster than the
 * update interval (15 s on a free account). A channel keeps one entry per update, so readings
 * that wait (faster than the interval, or while ThingSpeak is away) go as one update that holds
 * the latest value of each field.
 */
import type { OutboxMessage } from '../publisher/outbox.js';
import { Bridge, type BridgeContext, type Forward, type Row } from './base.js';
import { httpSend, safeUrl } from './http.js';
import { MqttBridge, type Connection } from './mqtt.js';
import type { ThingspeakBridgeConfig } from './schema.js';
import { lookup, valueText, type LocalMessage } from './template.js';

const FIELDS = /^(field[1-8]|status|latitude|longitude|elevation)$/;
/** Waiting rows merged into one update at most. */
const MERGE = 100;

function pace(c: ThingspeakBridgeConfig): { rate: number; burst: number } {
  return { rate: 1000 / c.interval, burst: 1 };
}

function encodeFields(c: ThingspeakBridgeConfig, entry: Forward, msg: LocalMessage): Row[] {
  const fields: Record<string, string> = {};
  for (const [field, path] of Object.entries((entry as ThingspeakBridgeConfig['forward'][number]).fields)) {
    const v = lookup(msg, path);
    if (v !== undefined && v !== null) fields[field] = valueText(v);
  }
  if (!Object.keys(fields).length) return [];
  return [{ topic: `channels/${c.channel}`, payload: Buffer.from(JSON.stringify(fields)), qos: 0, retain: false, ts: msg.ts.getTime() }];
}

/** `notify: {bridge, field1…, status…}`: the ThingSpeak fields it names. */
function encodeNotifyFields(c: ThingspeakBridgeConfig, p: Record<string, unknown>, now: number): Row[] {
  const fields = Object.fromEntries(Object.entries(p).filter(([k, v]) => FIELDS.test(k) && v !== undefined).map(([k, v]) => [k, valueText(v)]));
  if (!Object.keys(fields).length) throw new Error('a notify through ThingSpeak needs field1…field8 or status');
  return [{ topic: `channels/${c.channel}`, payload: Buffer.from(JSON.stringify(fields)), qos: 0, retain: false, ts: now }];
}

/** Rows merged oldest first, so each field ends with its latest value. */
export function mergeFields(rows: OutboxMessage[]): Record<string, string> {
  return Object.assign({}, ...rows.map((r) => JSON.parse(r.payload.toString('utf8')) as Record<string, string>));
}

class ThingspeakHttp extends Bridge<ThingspeakBridgeConfig> {
  protected override batch = MERGE;
  #abort = new AbortController();

  protected override pace() {
    return pace(this.config);
  }

  protected get ready(): boolean {
    return true;
  }

  get url(): string {
    return this.config.url ?? 'https://api.thingspeak.com/update';
  }

  protected async open(): Promise<void> {
    this.#abort = new AbortController();
    this.log.info(`updating channel ${this.config.channel} at ${safeUrl(this.url)} at most every ${this.config.interval / 1000} s`);
    this.setOnline(true);
  }

  protected async close(): Promise<void> {
    this.#abort.abort();
  }

  protected encode(entry: Forward, msg: LocalMessage): Row[] {
    return encodeFields(this.config, entry, msg);
  }

  protected encodeNotify(p: Record<string, unknown>): Row[] {
    return encodeNotifyFields(this.config, p, this.ctx.clock.now().getTime());
  }

  protected async deliver(rows: OutboxMessage[]): Promise<void> {
    const form = new URLSearchParams({ api_key: this.config.api_key!, ...mergeFields(rows), created_at: new Date(rows[rows.length - 1].ts).toISOString() });
    const res = await httpSend(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs: 10_000,
      signal: this.#abort.signal,
    });
    if (res.status < 200 || res.status > 299) throw new Error(`${safeUrl(this.url)} answered ${res.status}`);
    // ThingSpeak answers 200 with entry id 0 when it did not take the update (too soon, say).
    if (res.text.trim() === '0') throw new Error(`ThingSpeak did not accept the update (entry 0): too soon after the last one?`);
  }

  protected override afterDelivery(err: Error | undefined): void {
    // ThingSpeak times the gap between arrivals: the next update may leave one interval after this one came back.
    this.restartPace();
    this.setOnline(!err);
  }
}

class ThingspeakMqtt extends MqttBridge<ThingspeakBridgeConfig> {
  protected override batch = MERGE;
  protected override window = 1;

  protected override pace() {
    return pace(this.config);
  }

  protected override connection(): Connection {
    const c = this.config;
    return {
      url: c.url ?? 'mqtts://mqtt3.thingspeak.com:8883',
      clientId: c.client_id!,
      username: c.username,
      password: c.password,
      ca: c.ca,
      protocolVersion: 4,
      keepalive: 60,
    };
  }

  protected override subscriptions() {
    return [];
  }

  protected override encode(entry: Forward, msg: LocalMessage): Row[] {
    return encodeFields(this.config, entry, msg);
  }

  protected override encodeNotify(p: Record<string, unknown>): Row[] {
    return encodeNotifyFields(this.config, p, this.ctx.clock.now().getTime());
  }

  /** ThingSpeak's broker takes QoS 0 only: delivered means written to the connection. */
  protected override async deliver(rows: OutboxMessage[]): Promise<void> {
    const body = new URLSearchParams(mergeFields(rows)).toString();
    await this.remote!.publish(`channels/${this.config.channel}/publish`, body, { qos: 0, retain: false });
  }
}

/** The ThingSpeak bridge for the configured mode. */
export function createThingspeak(config: ThingspeakBridgeConfig, ctx: BridgeContext): Bridge<ThingspeakBridgeConfig> {
  return config.mode === 'mqtt' ? new ThingspeakMqtt(config, ctx) : new ThingspeakHttp(config, ctx);
}
