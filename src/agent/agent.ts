/**
 * The controller: one ordered list of services, started in order and stopped in reverse. Each
 * service gets what it needs passed in here, and nothing else happens here. To add a service,
 * write a class with `name`, `start()` and `stop()` (see `Service`) and put it in the list.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { EventBus } from '../core/bus.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Service } from '../core/service.js';
import { topicsFor, type Topics } from '../core/topics.js';
import type { Config } from '../config/config.js';
import type { Hardware } from '../hardware/types.js';
import { HardwareService } from './hardware.js';
import { isSim } from '../hardware/index.js';
import { ChipCatalog } from '../hardware/catalog.js';
import { formatProblem } from '../schemes/loader.js';
import { SchemeWatcher } from '../schemes/watch.js';
import { MqttService } from '../mqtt/service.js';
import { StateStore } from '../state/index.js';
import { Publisher } from '../publisher/publisher.js';
import { BridgeService } from '../bridge/index.js';
import { RulesService } from '../rules/service.js';
import { SchemeRuntime } from '../runtime/schemes.js';
import { Mediator } from '../mediator/mediator.js';
import { Discovery } from '../discovery/index.js';
import { NodeStatus } from './status.js';
import { GatewayService } from '../gateway/service.js';
import { runOperation } from './requests.js';
import { makeBackup } from './backup.js';
import { SchemeEditor } from '../runtime/scheme-edit.js';
import { homepage, version } from '../version.js';
import { MessageHooks, type PluginHooks } from '../core/message-hooks.js';
import { Metrics } from '../http/metrics.js';
import type { HttpService } from '../http/server.js';
import { httpServices } from '../http/services.js';
import { dashboardUrl } from '../http/schema.js';

export interface AgentOptions {
  config: Config;
  registry: DriverRegistry;
  log: Logger;
  /** Use this hardware instead of creating one from `config.hardware` (tests). */
  hardware?: Hardware;
  /** Driver retry backoff in ms (tests shorten it). */
  retry?: { min: number; max: number };
  /** Watch the schemes directory and reload on changes (default true). */
  watch?: boolean;
  /** Problems found before the agent started (a plugin that did not load), published on `$error`. */
  startupProblems?: { topic: string; error: string }[];
  /** Plugins' message hooks, called for every message received and published. */
  hooks?: PluginHooks[];
  /** How often `$info` is refreshed when the outbox figures changed (tests shorten it; default 30 s). */
  statsEveryMs?: number;
  /**
   * What `$request/restart` does once it has answered (`hanode run` passes one). Without it the
   * operation is refused.
   */
  restart?: () => void;
}

export class Agent {
  readonly bus: EventBus;
  readonly topics: Topics;
  /** The running schemes. */
  readonly schemes: SchemeRuntime;
  readonly services: readonly Service[];
  /** `GET /metrics`; a service adds its own figures with `metrics.register`. */
  readonly metrics = new Metrics();
  /** The HTTP API, when hanode.yaml has `http:`. */
  readonly http?: HttpService;
  readonly #hardware: HardwareService;
  readonly #mqtt: MqttService;
  readonly #started: Service[] = [];
  #starting?: Promise<void>;
  #stopping = false;

  constructor(private readonly opts: AgentOptions) {
    const { config, registry, log } = opts;
    const bus = (this.bus = new EventBus(log));
    const topics = (this.topics = topicsFor(config.base_topic, config.node.id));
    const hardware = (this.#hardware = new HardwareService({ mode: config.hardware, log, given: opts.hardware }));
    const mqtt = (this.#mqtt = new MqttService({ config, topics, bus, log }));
    const { link } = mqtt;
    const hooks = opts.hooks?.length ? new MessageHooks(opts.hooks, log.child({ service: 'hooks' })) : undefined;
    if (hooks) link.setHooks(hooks);
    const state = new StateStore({ file: join(config.data, 'state.json'), log, bus });
    const outbox = { dir: config.data, maxMessages: config.outbox.max_messages, maxBytes: config.outbox.max_bytes, drainRate: config.outbox.drain_rate };
    const problems = [...(opts.startupProblems ?? []), ...(config.bridgeProblems ?? []).map((p) => ({ topic: p.file, error: formatProblem(p) }))];
    // One list for the publisher, the logger and the scheme loader, which adds the secrets of scheme files to it.
    const sensitive = (config.sensitive ??= []);
    const publisher = new Publisher({ link, bus, topics, log, outbox, sensitive, problems });
    // Every bridge keeps its own backlog and connection: a dead cloud never slows the local loop.
    const bridges = config.bridges.length
      ? new BridgeService({ bridges: config.bridges, node: config.node.id, base: config.base_topic, localLink: link, bus, log: log.child({ service: 'bridges' }), dataDir: config.data })
      : undefined;
    const schemes: SchemeRuntime = (this.schemes = new SchemeRuntime({
      dir: config.schemes,
      registry,
      hardware: () => hardware.hardware,
      bus,
      log,
      store: state,
      rules: { apply: (loaded) => rules.apply(loaded) },
      retry: opts.retry,
      secretsFile: resolve(config.dir, 'secrets.yaml'),
      sensitive,
    }));
    const rules = new RulesService({
      topics,
      bus,
      log,
      link,
      store: state,
      command: (id, command) => schemes.command(id, command),
      publish: (msg) => publisher.send(msg),
      notify: (bridge, payload) => (bridges ? bridges.notify(bridge, payload) : Promise.reject(new Error(`no bridge '${bridge}': hanode.yaml configures none`))),
    });
    const gateway = config.gateway
      ? new GatewayService({ config: config.gateway, base: config.base_topic, node: config.node.id, link, bus, log, dataDir: config.data, command: (id, c) => schemes.command(id, c), serialBackoff: opts.retry })
      : undefined;
    const status = new NodeStatus({ topics, bus, log, link, publisher, hardware: () => hardware.hardware, schemes, bridges, catalog: ChipCatalog.of(registry), gateway, statsEveryMs: opts.statsEveryMs });
    const editor = new SchemeEditor({ dir: config.schemes, registry, log, secretsFile: resolve(config.dir, 'secrets.yaml'), reload: (change) => schemes.reload(change) });
    const backup = () => makeBackup({ node: config.node.id, schemesDir: config.schemes, configFile: config.file, sensitive: config.sensitive ?? [], state: () => state.snapshot() });
    const management = { remote: config.management?.remote ?? false };
    const context = { schemes, rules, status, bus, gateway, management, log, editor, backup, restart: opts.restart };
    const request = (op: string, args: Record<string, unknown>) => runOperation(context, op, args);
    const mediator = new Mediator({ link, bus, topics, log, outputs: schemes, request, simulator: () => (isSim(hardware.hardware) ? schemes : undefined), sensitive });
    const discovery = new Discovery({
      link,
      bus,
      topics,
      registry,
      log,
      schemes: () => schemes.all().map(({ scheme }) => scheme),
      nodeInfo: { version, url: homepage, configurationUrl: dashboardUrl(config.http), restart: config.management?.remote ?? false },
      model: async () => (await hardware.hardware.system.facts()).model ?? undefined,
      enabled: config.homeassistant?.discovery ?? true,
      prefix: config.homeassistant?.prefix,
      republishStates: () => schemes.republish(),
    });
    const watcher = new SchemeWatcher({ dir: config.schemes, configFile: config.file, secretsFile: resolve(config.dir, 'secrets.yaml'), bus, log, onChange: () => schemes.reload() });
    const web = httpServices({
      config,
      link,
      bus,
      log,
      metrics: this.metrics,
      publisher,
      schemes,
      bridges,
      hooks,
      health: () => status.health(),
      registry,
      lastScan: () => status.lastScan(),
      request,
    });
    this.http = web.http;

    this.services = [
      hardware,
      state,
      mqtt,
      publisher,
      ...(bridges ? [bridges] : []),
      // Recording starts before any scheme does, so it sees every first state.
      ...web.recording,
      // The rules (and the gateway's `expose`) listen before any scheme starts, so they see every first state.
      rules,
      ...(gateway ? [gateway] : []),
      schemes,
      mediator,
      status,
      // After `online`: Home Assistant's configs do not hold up the node's own states.
      discovery,
      ...web.serving,
      ...(opts.watch ?? true ? [watcher] : []),
    ];
  }

  get log(): Logger {
    return this.opts.log;
  }

  /** The node's hardware (after start). */
  get hardware(): Hardware {
    return this.#hardware.hardware;
  }

  /** The broker URL in use (after start). */
  get url(): string | undefined {
    return this.#mqtt.url;
  }

  async start(): Promise<void> {
    const { config, log } = this.opts;
    log.info(`hanode ${version} starting as node '${config.node.id}' (base topic '${config.base_topic}')`);
    const began = performance.now();
    const took: string[] = [];
    this.#starting = (async () => {
      for (const service of this.services) {
        // A stop that came in meanwhile (Ctrl-C during start-up) ends the start here.
        if (this.#stopping) return;
        log.debug(`starting ${service.name}`);
        const at = performance.now();
        await service.start();
        took.push(`${service.name} ${Math.round(performance.now() - at)}`);
        this.#started.push(service);
      }
    })();
    await this.#starting;
    if (!this.#stopping) log.info(`started in ${Math.round(performance.now() - began)} ms (ms per service: ${took.join(', ')})`);
  }

  async stop(): Promise<void> {
    this.opts.log.info('stopping');
    this.#stopping = true;
    // The service starting now finishes first, so it is stopped too rather than left running.
    await this.#starting?.catch(() => {});
    for (const service of this.#started.splice(0).reverse()) {
      await service.stop().catch((err) => this.opts.log.error({ err }, `stopping ${service.name} failed`));
    }
    this.bus.off(this);
    this.opts.log.info('stopped');
  }

  /** Enables or disables a scheme; the choice survives restarts. */
  setEnabled(id: string, enabled: boolean): Promise<void> {
    return this.schemes.setEnabled(id, enabled);
  }
}
