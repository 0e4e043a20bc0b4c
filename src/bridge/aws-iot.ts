/**
 * `aws-iot`: AWS IoT Core over MQTT with mutual TLS (device certificate and key), the thing name
 * as client id, forwards to topics your topic rules select, and optionally the classic device
 * shadow: each forwarded state is reported under its scheme id on
 * `$aws/things/<thing>/shadow/update` as `{"state":{"reported":{"<id>": …}}}`.
 */
import type { Forward, Row } from './base.js';
import { MqttBridge, type Connection } from './mqtt.js';
import type { AwsIotBridgeConfig } from './schema.js';
import { renderPayload, renderTopic, type LocalMessage } from './template.js';

export class AwsIotBridge extends MqttBridge<AwsIotBridgeConfig> {
  protected override connection(): Connection {
    const c = this.config;
    return {
      url: c.url ?? `mqtts://${c.endpoint}:8883`,
      clientId: c.thing_name,
      ca: c.ca,
      cert: c.cert,
      key: c.key,
      protocolVersion: c.protocol_version,
      keepalive: c.keepalive,
    };
  }

  protected override vars(msg: { node: string; id: string }): Record<string, string> {
    return { ...super.vars(msg), thing: this.config.thing_name };
  }

  /** The shadow update topic of this thing. */
  get shadowTopic(): string {
    return `$aws/things/${this.config.thing_name}/shadow/update`;
  }

  protected override encode(entry: Forward, msg: LocalMessage): Row[] {
    const f = entry as AwsIotBridgeConfig['forward'][number];
    const payload = renderPayload(f.payload, msg);
    if (payload === undefined) return [];
    const ts = msg.ts.getTime();
    const rows: Row[] = [];
    if (f.to) rows.push({ topic: renderTopic(f.to, this.vars(msg)), payload: Buffer.from(payload), qos: f.qos, retain: false, ts });
    if (this.config.shadow) {
      let reported: unknown = payload;
      try {
        reported = JSON.parse(payload);
      } catch {
        // Plain text stays a string in the shadow document.
      }
      const doc = { state: { reported: { [msg.id || msg.topic]: reported } } };
      rows.push({ topic: this.shadowTopic, payload: Buffer.from(JSON.stringify(doc)), qos: 1, retain: false, ts });
    }
    return rows;
  }
}
