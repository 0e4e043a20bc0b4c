/**
 * The bridge service: one {@link Bridge} per validated `bridges:` entry, each with its own
 * backlog, pace and remote connection, so no bridge can slow another or the local loop. It
 * subscribes each forward filter once on the local link and hands matching messages to the
 * bridges that asked; it publishes each bridge's state retained on `B/N/$bridge/<id>/status`.
 */
import type { Service } from '../core/service.js';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import { topicsFor, type Topics } from '../core/topics.js';
import type { MqttLink } from '../mqtt/link.js';
import { systemClock, type Clock } from '../core/clock.js';
import { AdafruitIoBridge } from './adafruit-io.js';
import { AwsIotBridge } from './aws-iot.js';
import { AzureIotHubBridge } from './azure-iot-hub.js';
import type { Bridge, BridgeContext, BridgeStatus, Forward } from './base.js';
import { MqttBridge } from './mqtt.js';
import type { BridgeConfig, BridgeType } from './schema.js';
import { createThingspeak } from './thingspeak.js';
import { WebhookBridge } from './webhook.js';

type Make = (config: any, ctx: BridgeContext) => Bridge;

/** One constructor per type: the YAML `type:` is the key. */
export const bridgeTypes = {
  mqtt: (c, ctx) => new MqttBridge(c, ctx),
  'aws-iot': (c, ctx) => new AwsIotBridge(c, ctx),
  'azure-iot-hub': (c, ctx) => new AzureIotHubBridge(c, ctx),
  'adafruit-io': (c, ctx) => new AdafruitIoBridge(c, ctx),
  thingspeak: (c, ctx) => createThingspeak(c, ctx),
  webhook: (c, ctx) => new WebhookBridge(c, ctx),
} satisfies Record<BridgeType, Make>;

export interface BridgeServiceOptions {
  /** Validated bridges (see `validateBridges`). */
  bridges: BridgeConfig[];
  node: string;
  base: string;
  /**
   * The local broker connection the forward filters are subscribed on. Best a link of its own
   * speaking MQTT 3.1.1: on MQTT 5 Mosquitto sends one copy per matching subscription, so a
   * filter that overlaps another subscription of the same link would forward twice.
   */
  localLink: MqttLink;
  bus: EventBus;
  log: Logger;
  /** Each bridge keeps its backlog in `<dataDir>/bridge-<id>.sqlite`. */
  dataDir: string;
  clock?: Clock;
  /** How status and received messages reach the local broker; `localLink.publish` by default. */
  publishLocal?: (topic: string, payload: string | Buffer, opts: { qos: 0 | 1 | 2; retain: boolean }) => Promise<void>;
}

export class BridgeService implements Service {
  readonly name = 'bridges';
  readonly #bridges = new Map<string, Bridge>();
  readonly #running = new Set<string>();
  readonly #topics: Topics;
  readonly #statusWrites = new Set<Promise<void>>();
  #started = false;

  constructor(private readonly opts: BridgeServiceOptions) {
    this.#topics = topicsFor(opts.base, opts.node);
  }

  /** Starts every bridge; one that fails is reported and left out, the others run. */
  async start(): Promise<void> {
    const { log } = this.opts;
    this.#started = true;
    for (const config of this.opts.bridges) {
      const bridge = bridgeTypes[config.type](config, this.#context(config));
      this.#bridges.set(config.id, bridge);
    }
    this.#subscribe();
    await Promise.all(
      [...this.#bridges.values()].map(async (b) => {
        try {
          await b.start();
          this.#running.add(b.id);
        } catch (err) {
          const message = `bridge '${b.id}' did not start: ${(err as Error).message}`;
          log.error(message);
          this.opts.bus.emit('error', { topic: this.#topics.bridgeStatus(b.id), error: message });
          this.#publishStatus(b.id, false);
        }
      }),
    );
    if (this.#bridges.size) log.info(`bridges: ${[...this.#bridges.keys()].map((id) => `${id}${this.#running.has(id) ? '' : ' (failed)'}`).join(', ')}`);
  }

  /** Stops every bridge and publishes their `offline`; backlogs stay on disk for the next start. */
  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#bridges.values()].filter((b) => this.#running.has(b.id)).map((b) => b.stop().catch(() => {})));
    this.#running.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.#statusWrites), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
  }

  /** The rules' `notify` action: queues `payload` on bridge `bridgeId`. Rejects with a reason for `$error`. */
  async notify(bridgeId: string, payload: Record<string, unknown>): Promise<void> {
    const bridge = this.#bridges.get(bridgeId);
    if (!bridge) {
      const known = [...this.#bridges.keys()];
      throw new Error(`no bridge '${bridgeId}' is configured${known.length ? `; bridges: ${known.join(', ')}` : ''}`);
    }
    if (!this.#running.has(bridgeId)) throw new Error(`bridge '${bridgeId}' is not running`);
    await bridge.notify(payload);
  }

  status(): BridgeStatus[] {
    return [...this.#bridges.values()].map((b) => b.status());
  }

  /** Each distinct filter once; every forward entry with that filter gets what matches it. */
  #subscribe(): void {
    const byFilter = new Map<string, { bridge: Bridge; entry: Forward }[]>();
    for (const bridge of this.#bridges.values()) {
      for (const entry of bridge.forwards) byFilter.set(entry.from, [...(byFilter.get(entry.from) ?? []), { bridge, entry }]);
    }
    for (const [filter, targets] of byFilter) {
      this.opts.localLink.subscribe(
        filter,
        (topic, payload, packet) => {
          if (!this.#started) return;
          for (const { bridge, entry } of targets) if (this.#running.has(bridge.id)) bridge.fromLocal(entry, topic, payload, packet.retain);
        },
        { qos: 1 },
      );
    }
  }

  #context(config: BridgeConfig): BridgeContext {
    const { node, base, log, dataDir, clock, bus } = this.opts;
    return {
      node,
      base,
      dataDir,
      clock: clock ?? systemClock,
      log: log.child({ bridge: config.id }),
      publishLocal: (topic, payload, o) => this.#publish(topic, payload, o),
      onStatus: (online) => this.#publishStatus(config.id, online),
      error: (error) => bus.emit('error', { topic: this.#topics.bridgeStatus(config.id), error: `bridge '${config.id}': ${error}` }),
    };
  }

  #publish(topic: string, payload: string | Buffer, o: { qos: 0 | 1 | 2; retain: boolean }): Promise<void> {
    return this.opts.publishLocal ? this.opts.publishLocal(topic, payload, o) : this.opts.localLink.publish(topic, payload, o);
  }

  #publishStatus(id: string, online: boolean): void {
    const write = this.#publish(this.#topics.bridgeStatus(id), online ? 'online' : 'offline', { qos: 1, retain: true })
      .catch((err) => this.opts.log.warn(`cannot publish the status of bridge '${id}': ${(err as Error).message}`))
      .finally(() => this.#statusWrites.delete(write));
    this.#statusWrites.add(write);
  }
}
