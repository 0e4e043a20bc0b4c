/**
 * `azure-iot-hub`: a device of Azure IoT Hub over MQTT 3.1.1 (the only version it speaks), port
 * 8883 with TLS. The password is a SAS token made from the device connection string; a fresh one
 * is made for every connection attempt, and the connection is renewed at 80% of the token's life
 * so it never runs on an expired one. Device-to-cloud messages go on
 * `devices/<id>/messages/events/`, cloud-to-device ones come from
 * `devices/<id>/messages/devicebound/#`.
 */
import type { Forward, Row } from './base.js';
import { MqttBridge, notifyText, type Connection, type Receive } from './mqtt.js';
import { sasToken, azureUsername } from './sas.js';
import { parseConnectionString, type AzureIotHubBridgeConfig } from './schema.js';
import { renderPayload, type LocalMessage } from './template.js';

/** The share of a token's life after which the connection is renewed. */
export const RENEW_AT = 0.8;

export class AzureIotHubBridge extends MqttBridge<AzureIotHubBridgeConfig> {
  #issuedAt = 0;
  #renewal?: unknown;
  #cs?: { hostName: string; deviceId: string; key: string };

  get #device(): { hostName: string; deviceId: string; key: string } {
    if (!this.#cs) {
      const parsed = parseConnectionString(this.config.connection_string);
      if (typeof parsed === 'string') throw new Error(parsed);
      this.#cs = parsed;
    }
    return this.#cs;
  }

  /** Where device-to-cloud messages go. */
  get eventsTopic(): string {
    return `devices/${this.#device.deviceId}/messages/events/`;
  }

  /** The token the next connection attempt would use. */
  token(now = this.ctx.clock.now().getTime()): string {
    const { hostName, deviceId, key } = this.#device;
    return sasToken({ hostName, deviceId, key, expiry: Math.floor((now + this.config.token_ttl) / 1000) });
  }

  protected override connection(): Connection {
    const { hostName, deviceId } = this.#device;
    return {
      url: this.config.url ?? `mqtts://${hostName}:8883`,
      clientId: deviceId,
      username: azureUsername(hostName, deviceId),
      password: () => {
        this.#issuedAt = this.ctx.clock.now().getTime();
        return this.token(this.#issuedAt);
      },
      ca: this.config.ca,
      protocolVersion: 4,
      keepalive: this.config.keepalive,
    };
  }

  protected override subscriptions(): { filter: string; qos: 0 | 1 | 2 }[] {
    return [{ filter: `devices/${this.#device.deviceId}/messages/devicebound/#`, qos: 1 }];
  }

  protected override receives(): Receive[] {
    const all = `devices/${this.#device.deviceId}/messages/devicebound/#`;
    return this.config.receive.map((r) => ({ from: r.from ?? all, to: r.to, qos: r.qos, retain: r.retain }));
  }

  protected override connected(): void {
    const { clock } = this.ctx;
    clock.clearTimeout(this.#renewal);
    const due = this.#issuedAt + this.config.token_ttl * RENEW_AT - clock.now().getTime();
    this.#renewal = clock.setTimeout(() => {
      this.#renewal = undefined;
      this.log.info('renewing the SAS token before it expires');
      void this.remote?.renew(() => this.whenIdle());
    }, Math.max(0, due));
  }

  protected override disconnected(): void {
    this.ctx.clock.clearTimeout(this.#renewal);
    this.#renewal = undefined;
  }

  protected override async close(): Promise<void> {
    this.disconnected();
    await super.close();
  }

  protected override encode(entry: Forward, msg: LocalMessage): Row[] {
    const payload = renderPayload((entry as AzureIotHubBridgeConfig['forward'][number]).payload, msg);
    if (payload === undefined) return [];
    return [{ topic: this.#eventsFor(payload), payload: Buffer.from(payload), qos: 1, retain: false, ts: msg.ts.getTime() }];
  }

  protected override encodeNotify(p: Record<string, unknown>): Row[] {
    const text = notifyText(p);
    return [{ topic: this.#eventsFor(text), payload: Buffer.from(text), qos: 1, retain: false, ts: this.ctx.clock.now().getTime() }];
  }

  /** JSON bodies say so in the property bag, so IoT Hub message routing can query them. */
  #eventsFor(payload: string): string {
    try {
      const v = JSON.parse(payload);
      if (v && typeof v === 'object') return `${this.eventsTopic}$.ct=application%2Fjson&$.ce=utf-8`;
    } catch {
      // Not JSON: no content type.
    }
    return this.eventsTopic;
  }
}
