/**
 * The `mqtt` bridge type, and the base of the MQTT presets: forward local topics to a remote
 * broker through the bridge's backlog, and bring remote topics back to the local broker.
 *
 * Loop protection, both ways:
 * - a message this bridge brought from the remote is remembered (topic + payload, 30 s) and not
 *   forwarded when the local broker hands it back (see `Bridge.fromLocal`);
 * - on MQTT 5 the remote subscriptions use No Local, so the remote never sends our own publishes
 *   back; on 3.1.1 the publishes are remembered the same way and dropped when they come back.
 */
import { readFile } from 'node:fs/promises';
import type { IPublishPacket } from 'mqtt';
import type { OutboxMessage } from '../publisher/outbox.js';
import { topicMatches } from '../mqtt/topic-match.js';
import { hideCredentials } from '../core/redact.js';
import { Bridge, type Forward, type Row } from './base.js';
import { EchoMemory } from './echo.js';
import { RemoteMqtt } from './remote.js';
import type { BridgeConfig, MqttBridgeConfig } from './schema.js';
import { renderPayload, renderTopic, valueText, type LocalMessage } from './template.js';

/** How to reach the remote. File paths are read at start. */
export interface Connection {
  url: string;
  clientId: string;
  username?: string;
  password?: string | (() => string);
  ca?: string;
  cert?: string;
  key?: string;
  protocolVersion: 4 | 5;
  keepalive: number;
}

/** A remote filter and where what matches it goes locally. */
export interface Receive {
  from: string;
  to: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export class MqttBridge<C extends BridgeConfig = MqttBridgeConfig> extends Bridge<C> {
  protected remote?: RemoteMqtt;
  /** What we published on the remote, for 3.1.1 remotes that echo it back. */
  protected readonly remoteEcho = new EchoMemory();
  protected override window = 32;

  protected connection(): Connection {
    const c = this.config as unknown as MqttBridgeConfig;
    return {
      url: c.url,
      clientId: c.client_id ?? `hanode-${this.ctx.node}-${this.id}`,
      username: c.username,
      password: c.password,
      ca: c.ca,
      cert: c.cert,
      key: c.key,
      protocolVersion: c.protocol_version,
      keepalive: c.keepalive,
    };
  }

  /** The remote filters to subscribe; receive mappings by default. */
  protected subscriptions(): { filter: string; qos: 0 | 1 | 2 }[] {
    return this.receives().map((r) => ({ filter: r.from, qos: r.qos }));
  }

  protected receives(): Receive[] {
    return ((this.config as { receive?: Receive[] }).receive ?? []) as Receive[];
  }

  /** Placeholders of topic templates. */
  protected vars(msg: { node: string; id: string }): Record<string, string> {
    return { node: msg.node, id: msg.id, base: this.ctx.base };
  }

  protected get ready(): boolean {
    return this.remote?.connected ?? false;
  }

  protected async open(): Promise<void> {
    const c = this.connection();
    const read = (f?: string) => (f ? readFile(f) : undefined);
    const remote = new RemoteMqtt({
      url: c.url,
      clientId: c.clientId,
      username: c.username,
      password: c.password,
      ca: await read(c.ca),
      cert: await read(c.cert),
      key: await read(c.key),
      protocolVersion: c.protocolVersion,
      keepalive: c.keepalive,
      backoff: { min: Math.min(1_000, this.config.retry.min), max: Math.min(60_000, this.config.retry.max) },
      log: this.log,
    });
    this.remote = remote;
    for (const s of this.subscriptions()) remote.subscribe(s.filter, s.qos);
    remote.onMessage((topic, payload, packet) => this.#fromRemote(topic, payload, packet));
    remote.onConnect(() => {
      this.log.info(`connected to ${hideCredentials(c.url)}${remote.protocolVersion === 4 ? ' (MQTT 3.1.1)' : ''}`);
      this.setOnline(true);
      this.connected();
      this.kick();
    });
    remote.onClose(() => {
      this.setOnline(false);
      this.setError(`no connection to ${hideCredentials(c.url)}${remote.lastError ? `: ${remote.lastError}` : ''}`);
      this.disconnected();
    });
    this.log.info(`connecting to ${hideCredentials(c.url)} as ${c.clientId}`);
    // Truthful from the start: a retained `online` from the last run must not outlive it.
    this.setOnline(false);
    remote.start();
  }

  /** Hooks for the presets. */
  protected connected(): void {}
  protected disconnected(): void {}

  protected async close(): Promise<void> {
    await this.remote?.stop();
  }

  protected encode(entry: Forward, msg: LocalMessage): Row[] {
    const f = entry as MqttBridgeConfig['forward'][number];
    const payload = renderPayload(f.payload, msg);
    if (payload === undefined) return [];
    return [{ topic: renderTopic(f.to, this.vars(msg)), payload: Buffer.from(payload), qos: f.qos, retain: f.retain, ts: msg.ts.getTime() }];
  }

  /** `notify: {bridge, topic?, payload?, retain?, qos?}`; without payload, the other fields as JSON. */
  protected encodeNotify(p: Record<string, unknown>): Row[] {
    const given = (this.config as { notify_topic?: string }).notify_topic;
    const topic = typeof p.topic === 'string' ? p.topic : given ? renderTopic(given, this.vars({ node: this.ctx.node, id: this.id })) : undefined;
    if (!topic) throw new Error(`bridge '${this.id}' has no notify_topic; give the notify action a topic`);
    if (/[+#]/.test(topic)) throw new Error(`cannot publish to '${topic}': it holds a wildcard`);
    return [{ topic, payload: Buffer.from(notifyText(p)), qos: p.qos === 0 ? 0 : 1, retain: p.retain === true, ts: this.ctx.clock.now().getTime() }];
  }

  protected async deliver(rows: OutboxMessage[]): Promise<void> {
    const remote = this.remote!;
    await Promise.all(
      rows.map((r) => {
        if (remote.protocolVersion === 4) this.remoteEcho.add(r.topic, r.payload, this.ctx.clock.elapsed());
        return remote.publish(r.topic, r.payload, { qos: r.qos, retain: r.retain });
      }),
    );
  }

  /** A message from the remote: to every receive mapping it matches. Presets add their own topics. */
  protected onRemote(topic: string, payload: Buffer): void {
    for (const r of this.receives()) {
      if (!topicMatches(r.from, topic)) continue;
      this.toLocal(r.to, payload, { qos: r.qos, retain: r.retain }).catch((err) => this.log.warn(`cannot publish ${r.to} locally: ${(err as Error).message}`));
    }
  }

  #fromRemote(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const now = this.ctx.clock.elapsed();
    if (this.remote?.protocolVersion === 4 && this.remoteEcho.take(topic, payload, now)) {
      this.counts.looped++;
      return;
    }
    // A retained command would act again after every reconnect; only live messages cross.
    if (packet.retain) return;
    this.onRemote(topic, payload);
  }
}

/** The text a notify action sends: its `payload` (as text or JSON), else its fields as JSON. */
export function notifyText(p: Record<string, unknown>, skip: string[] = ['topic', 'retain', 'qos']): string {
  if (p.payload !== undefined) return valueText(p.payload);
  const rest = Object.fromEntries(Object.entries(p).filter(([k]) => !skip.includes(k)));
  return JSON.stringify(rest);
}
