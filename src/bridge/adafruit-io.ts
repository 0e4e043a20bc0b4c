/**
 * `adafruit-io`: feeds on Adafruit IO over MQTT (`<user>/feeds/<key>`), with the AIO key as
 * password. Sending is paced to the account's rate limit (30 per minute on a free account), and
 * when Adafruit IO still says `<user>/throttle` ("…, 23 seconds until throttle released") the
 * bridge sends nothing until then. Messages wait in the backlog meanwhile; none are dropped.
 */
import type { Forward, Row } from './base.js';
import { MqttBridge, notifyText, type Connection, type Receive } from './mqtt.js';
import type { AdafruitIoBridgeConfig } from './schema.js';
import { renderPayload, renderTopic, type LocalMessage } from './template.js';

/** How long to hold off when a throttle message names no time. */
export const DEFAULT_THROTTLE_MS = 60_000;

/** The wait a throttle message asks for, in ms. */
export function throttleWait(message: string): number {
  const m = /(\d+)\s*seconds?/i.exec(message);
  return m ? Number(m[1]) * 1000 : DEFAULT_THROTTLE_MS;
}

export class AdafruitIoBridge extends MqttBridge<AdafruitIoBridgeConfig> {
  protected override pace(): { rate: number; burst: number } {
    // One at a time: a burst is what trips the throttle.
    return { rate: this.config.rate, burst: 1 };
  }

  protected override connection(): Connection {
    return {
      url: this.config.url,
      clientId: `hanode-${this.ctx.node}-${this.id}`,
      username: this.config.user,
      password: this.config.key,
      ca: this.config.ca,
      // Adafruit IO speaks MQTT 3.1.1.
      protocolVersion: 4,
      keepalive: 60,
    };
  }

  feedTopic(key: string): string {
    return `${this.config.user}/feeds/${key}`;
  }

  protected override receives(): Receive[] {
    return this.config.receive.map((r) => ({ from: this.feedTopic(r.feed), to: r.to, qos: 1, retain: r.retain }));
  }

  protected override subscriptions(): { filter: string; qos: 0 | 1 | 2 }[] {
    const { user } = this.config;
    return [...super.subscriptions(), { filter: `${user}/throttle`, qos: 1 }, { filter: `${user}/errors`, qos: 1 }];
  }

  protected override onRemote(topic: string, payload: Buffer): void {
    const { user } = this.config;
    const text = payload.toString('utf8');
    if (topic === `${user}/throttle`) {
      const wait = throttleWait(text);
      this.setError(`Adafruit IO throttle: ${text}`);
      this.log.warn(`Adafruit IO asks to slow down; sending nothing for ${Math.round(wait / 1000)} s`);
      this.pauseUntil(this.ctx.clock.elapsed() + wait);
      return;
    }
    if (topic === `${user}/errors`) {
      this.setError(`Adafruit IO: ${text}`);
      return;
    }
    super.onRemote(topic, payload);
  }

  protected override encode(entry: Forward, msg: LocalMessage): Row[] {
    const f = entry as AdafruitIoBridgeConfig['forward'][number];
    const payload = renderPayload(f.payload, msg);
    if (payload === undefined) return [];
    return [{ topic: this.feedTopic(renderTopic(f.feed, this.vars(msg))), payload: Buffer.from(payload), qos: 1, retain: false, ts: msg.ts.getTime() }];
  }

  /** `notify: {bridge, feed?, value?}`; the feed defaults to notify_feed. */
  protected override encodeNotify(p: Record<string, unknown>): Row[] {
    const feed = typeof p.feed === 'string' ? p.feed : this.config.notify_feed && renderTopic(this.config.notify_feed, this.vars({ node: this.ctx.node, id: this.id }));
    if (!feed) throw new Error(`bridge '${this.id}' has no notify_feed; give the notify action a feed`);
    const text = p.value !== undefined ? notifyText({ payload: p.value }) : notifyText(p, ['feed']);
    return [{ topic: this.feedTopic(feed), payload: Buffer.from(text), qos: 1, retain: false, ts: this.ctx.clock.now().getTime() }];
  }
}
