/**
 * What the node says about itself: the retained `$info` (kept in step with the running schemes),
 * `status online` once the restored states are out (and again after every reconnect, since the
 * broker may have published the will meanwhile), the hardware scan, and health.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { EventBus } from '../core/bus.js';
import type { Service } from '../core/service.js';
import type { Topics } from '../core/topics.js';
import { hideCredentials } from '../core/redact.js';
import type { Hardware, ScanResult } from '../hardware/types.js';
import type { ChipCatalog } from '../hardware/catalog.js';
import type { MqttLink } from '../mqtt/link.js';
import type { Publisher } from '../publisher/publisher.js';
import type { SchemeRuntime } from '../runtime/schemes.js';
import type { BridgeStatus } from '../bridge/base.js';
import { version } from '../version.js';
import type { GatewayStatus } from '../gateway/service.js';

export interface NodeStatusContext {
  topics: Topics;
  bus: EventBus;
  log: Logger;
  link: MqttLink;
  publisher: Publisher;
  hardware: () => Hardware;
  schemes: SchemeRuntime;
  bridges?: { status(): BridgeStatus[] };
  gateway?: { status(): GatewayStatus };
  /** What the scan names at each I2C address: the registry's drivers plus parts without one. */
  catalog: ChipCatalog;
  /**
   * How often the outbox figures in `$info` (backlog, dropped) are looked at; `$info` is published
   * again when they changed, so Home Assistant's diagnostic sensors follow them. Default 30 s.
   */
  statsEveryMs?: number;
}

export class NodeStatus implements Service {
  readonly name = 'status';
  readonly #started = new Date();
  /**
   * Says which running agent publishes this `$info`: two machines with one node id (a copied SD
   * card) show two hosts or instances, which `hanode doctor` reports.
   */
  readonly #instance = randomBytes(4).toString('hex');
  #scan?: ScanResult | { error: string };
  #ready = false;

  #hooked = false;
  #infoTimer?: NodeJS.Timeout;
  #statsTimer?: NodeJS.Timeout;
  /** The outbox figures `$info` last carried. */
  #outboxSent = '';

  constructor(private readonly ctx: NodeStatusContext) {}

  async start(): Promise<void> {
    if (!this.#hooked) {
      // After a reconnect the broker may have published our will: say we are back.
      this.ctx.link.onConnect(() => this.#ready && void this.#announce());
      this.#hooked = true;
    }
    for (const line of describeFound(await this.scan())) this.ctx.log.info(`found: ${line}`);
    this.ctx.bus.on('schemesChanged', this, () => void this.#publishInfo());
    // Devices come and go in bursts (a router restart reconnects them all): one $info a second at most.
    this.ctx.bus.on('gatewayDevices', this, () => {
      this.#infoTimer ??= setTimeout(() => {
        this.#infoTimer = undefined;
        if (this.#ready) void this.#publishInfo();
      }, 1_000);
    });
    this.#ready = true;
    await this.#announce();
    this.#statsTimer = setInterval(() => {
      if (this.#ready && this.ctx.link.connected && this.#outboxFigures() !== this.#outboxSent) void this.#publishInfo();
    }, this.ctx.statsEveryMs ?? 30_000);
    this.#statsTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.#ready = false;
    clearTimeout(this.#infoTimer);
    clearInterval(this.#statsTimer);
    this.#infoTimer = undefined;
    this.ctx.bus.off(this);
  }

  /** Scans the hardware again (`$request/scan`); `$info` carries the latest result. */
  async scan(): Promise<ScanResult | { error: string }> {
    this.#scan = await this.ctx.hardware().scan({ catalog: this.ctx.catalog }).catch((err) => ({ error: (err as Error).message }));
    return this.#scan;
  }

  /** The latest scan, without scanning again; undefined before the first. */
  lastScan(): ScanResult | { error: string } | undefined {
    return this.#scan;
  }

  health(): Record<string, unknown> {
    const { topics, link, publisher, schemes, bridges } = this.ctx;
    const status = schemes.status();
    return {
      node: topics.node,
      version,
      hardware: this.ctx.hardware().kind,
      uptime_s: Math.round((Date.now() - this.#started.getTime()) / 1000),
      connection: { url: hideCredentials(link.url ?? ''), ...link.stats },
      publisher: publisher.stats,
      outbox: publisher.outboxStats(),
      bridges: bridges?.status() ?? [],
      ...(this.ctx.gateway ? { gateway: this.ctx.gateway.status() } : {}),
      schemes: {
        total: status.length,
        online: status.filter((s) => s.online).length,
        failing: status.filter((s) => s.enabled && !s.online).map((s) => ({ id: s.id, error: s.error })),
        disabled: status.filter((s) => !s.enabled).map((s) => s.id),
      },
      invalid_files: schemes.invalidFiles().length,
      rss_bytes: process.memoryUsage().rss,
    };
  }

  async #announce(): Promise<void> {
    // Restored output states (and first readings) reach the broker before `online` does.
    await this.ctx.publisher.settled();
    await this.#publishInfo();
    await this.ctx.publisher.send({ topic: this.ctx.topics.status, payload: 'online', qos: 1, retain: true });
    this.ctx.log.info(`online: ${this.ctx.topics.status}`);
  }

  /** The outbox backlog and dropped readings, as `$info` carries them. */
  #outboxFigures(): string {
    const outbox = this.ctx.publisher.outboxStats();
    return JSON.stringify({ backlog: outbox?.backlog ?? 0, dropped: outbox?.dropped ?? 0 });
  }

  async #publishInfo(): Promise<void> {
    const { topics, schemes, publisher } = this.ctx;
    const figures = this.#outboxFigures();
    this.#outboxSent = figures;
    const info = {
      version,
      node: topics.node,
      hardware: this.ctx.hardware().kind,
      inputs: schemes.ids('input'),
      outputs: schemes.ids('output'),
      started: this.#started.toISOString(),
      host: hostname(),
      instance: this.#instance,
      outbox: JSON.parse(figures) as { backlog: number; dropped: number },
      scan: this.#scan ?? (await this.scan()),
      ...(this.ctx.gateway ? { gateway: { devices: this.ctx.gateway.status().devices.map((d) => d.id) } } : {}),
    };
    await publisher.send({ topic: topics.info, payload: JSON.stringify(info), qos: 1, retain: true });
  }
}

/** One log line per kind of hardware the scan found. */
function describeFound(scan: ScanResult | { error: string }): string[] {
  if ('error' in scan) return [`the hardware scan failed: ${scan.error}`];
  return [
    ...scan.gpiochips.map((c) => `${c.name} '${c.label}' (base ${c.base}, ${c.ngpio} lines)`),
    ...scan.i2c.map((b) => `I2C bus ${b.bus}: ${b.addresses.map((a) => `${a.hex}${a.likely.length ? ` (${a.likely.slice(0, 2).join('/')})` : ''}`).join(', ') || 'no device answered'}`),
    ...(scan.spi.length ? [`SPI: ${scan.spi.map((d) => d.path).join(', ')}`] : []),
    ...(scan.onewire.length ? [`1-wire: ${scan.onewire.join(', ')}`] : []),
    ...(scan.iio.length ? [`IIO: ${scan.iio.map((d) => `${d.device} (${d.name})`).join(', ')}`] : []),
    `${scan.system.model ?? 'unknown model'}, kernel ${scan.system.kernel}`,
  ];
}
