/**
 * The controller. It owns the services and starts them in order: hardware, the state store and
 * outbox, the broker link and publisher, the rules, then outputs (restored), then inputs, then
 * control topics, then `status online`. Everything it needs comes in through `AgentOptions`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { EventBus } from '../core/bus.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Reading } from '../core/driver.js';
import { topicsFor, type Topics } from '../core/topics.js';
import type { Config } from '../config/config.js';
import type { Hardware, ScanResult } from '../hardware/types.js';
import { createHardware, isSim } from '../hardware/index.js';
import { loadSchemeDir, formatProblem, type LoadResult } from '../schemes/loader.js';
import { MqttLink, redact } from '../publisher/link.js';
import { Publisher } from '../publisher/publisher.js';
import { Mediator } from '../mediator/mediator.js';
import { brokerAnswers } from '../broker/detect.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embedded.js';
import { InputScheme } from '../runtime/input-scheme.js';
import { OutputScheme } from '../runtime/output-scheme.js';
import { Outbox } from '../publisher/outbox.js';
import { Delivery } from '../publisher/delivery.js';
import { StateStore } from '../state/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { LoadedScheme } from '../schemes/loader.js';
import { createRuleEngine } from './rules.js';
import { SchemeSet } from './schemes.js';
import { SchemeWatcher } from './watch.js';
import { Discovery } from '../discovery/index.js';
import { BridgeService } from '../bridge/index.js';
import { runOperation } from './requests.js';
import { version } from '../version.js';

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
}

export class Agent {
  readonly bus: EventBus;
  readonly topics: Topics;
  hardware!: Hardware;
  schemes!: SchemeSet;
  #link?: MqttLink;
  #publisher?: Publisher;
  #mediator?: Mediator;
  #broker?: EmbeddedBroker;
  #loaded?: LoadResult;
  /** What runs: the valid files, plus the last good version of files that became invalid. */
  #effective?: LoadResult;
  readonly #lastGood = new Map<string, { inputs: LoadedScheme[]; outputs: LoadedScheme[]; rules: LoadResult['rules'] }>();
  #watcher?: SchemeWatcher;
  #discovery?: Discovery;
  #bridges?: BridgeService;
  #scan?: ScanResult | { error: string };
  #store?: StateStore;
  #outbox?: Outbox;
  #delivery?: Delivery;
  #rules?: RuleEngine;
  readonly #remoteFacts = new Map<string, (state: Record<string, unknown>) => void>();
  /** Problems found before the link was up (a corrupt outbox, say), published once it is. */
  readonly #early: { topic: string; error: string }[] = [];
  #started?: Date;
  #ready = false;
  #url?: string;

  constructor(private readonly opts: AgentOptions) {
    this.bus = new EventBus(opts.log);
    this.topics = topicsFor(opts.config.base_topic, opts.config.node.id);
  }

  get log(): Logger {
    return this.opts.log;
  }

  /** The broker URL in use (after start). */
  get url(): string | undefined {
    return this.#url;
  }

  async start(): Promise<void> {
    const { config, log, registry } = this.opts;
    this.#started = new Date();
    this.#early.push(...(this.opts.startupProblems ?? []));
    log.info(`hanode ${version} starting as node '${config.node.id}' (base topic '${config.base_topic}')`);

    this.hardware = this.opts.hardware ?? (await createHardware(config.hardware, { log }));
    this.#store = await StateStore.open({ file: join(config.data, 'state.json'), log });
    this.#outbox = Outbox.open({
      file: join(config.data, 'outbox.sqlite'),
      maxMessages: config.outbox.max_messages,
      maxBytes: config.outbox.max_bytes,
      log,
      onCorrupt: ({ file, movedTo, error }) =>
        this.#early.push({ topic: file, error: `the outbox was unreadable (${error}); moved it to ${movedTo} and started an empty one` }),
    });
    const store = this.#store;
    this.schemes = new SchemeSet({
      registry,
      hardware: this.hardware,
      bus: this.bus,
      log,
      retry: this.opts.retry,
      restored: (id) => store.getState(id)?.state,
      counters: { get: (key) => store.getCounter(key), set: (key, value) => store.setCounter(key, value) },
      states: {
        get: (id) => store.getState(id)?.state,
        watch: (fn) => {
          const owner = {};
          this.bus.on('state', owner, ({ id, state }) => fn(id, state));
          return () => this.bus.off(owner);
        },
      },
    });
    this.#loaded = await this.#loadSchemes();
    this.#effective = this.#withLastGood(this.#loaded).effective;

    this.#url = await this.#brokerUrl();
    this.#link = await this.#connect(this.#url);
    this.#delivery = new Delivery({ outbox: this.#outbox, link: this.#link, log, drainRate: config.outbox.drain_rate });
    this.#publisher = new Publisher({
      link: this.#link,
      bus: this.bus,
      topics: this.topics,
      log,
      durable: this.#delivery,
      sensitive: config.sensitive,
      deliveryOf: (id) => {
        const o = this.schemes.get(id)?.scheme.options as { retain?: boolean; qos?: 0 | 1 | 2; durable?: boolean } | undefined;
        return { retain: o?.retain ?? true, qos: o?.qos ?? 1, durable: o?.durable ?? true };
      },
    });
    await this.#publisher.start();
    this.#delivery.start();
    store.attach(this.bus);
    for (const p of config.bridgeProblems ?? []) this.#early.push({ topic: p.file, error: formatProblem(p) });
    for (const e of this.#early.splice(0)) this.bus.emit('error', e);

    // Every bridge keeps its own backlog and connection: a dead cloud never slows the local loop.
    if (config.bridges.length) {
      this.#bridges = new BridgeService({
        bridges: config.bridges,
        node: config.node.id,
        base: config.base_topic,
        localLink: this.#link,
        bus: this.bus,
        log: log.child({ service: 'bridges' }),
        dataDir: config.data,
      });
      await this.#bridges.start();
    }
    for (const p of this.#loaded.problems) this.bus.emit('error', { topic: p.file, error: formatProblem(p) });

    // The rules listen before any scheme starts, so they see every first state.
    this.#rules = this.#createRules(this.#effective);
    await this.#rules.start();

    const { started } = await this.schemes.apply(this.#withOverrides(this.#effective));
    log.info(`started ${started.length} scheme(s): ${started.join(', ') || 'none'}`);
    for (const line of describeFound(await this.scan())) log.info(`found: ${line}`);

    this.#mediator = new Mediator({ link: this.#link, bus: this.bus, topics: this.topics, log, control: this.#control() });
    await this.#mediator.start();
    this.bus.on('schemesChanged', this, () => void this.#publishInfo());

    this.#discovery = new Discovery({
      link: this.#link,
      bus: this.bus,
      topics: this.topics,
      registry,
      log,
      schemes: () => this.schemes.all().map(({ scheme: s }) => ({ id: s.id, driver: s.driver, direction: s.direction, options: s.options })),
      nodeInfo: { version, model: (await this.hardware.system.facts().catch(() => null))?.model ?? undefined },
      enabled: config.homeassistant?.discovery ?? true,
      prefix: config.homeassistant?.prefix,
      republishStates: () => this.#republishStates(),
    });
    await this.#discovery.start();

    this.#ready = true;
    await this.#announce();
    if (this.opts.watch ?? true) {
      this.#watcher = new SchemeWatcher({
        dir: config.schemes,
        log,
        onChange: () => this.reload(),
        configFile: config.file,
        onConfigChange: () => {
          const error = `${config.file} changed: its options (node, mqtt, broker, bridges, plugins, outbox, homeassistant) take effect after a restart of hanode`;
          log.warn(error);
          this.bus.emit('error', { topic: config.file!, error });
        },
      });
      await this.#watcher.start().catch((err) => log.warn(`schemes: cannot watch ${config.schemes}: ${(err as Error).message}`));
    }
  }

  async stop(): Promise<void> {
    const { log } = this.opts;
    log.info('stopping');
    this.#ready = false;
    await this.#watcher?.stop();
    await this.#mediator?.stop();
    await this.#discovery?.stop();
    await this.#rules?.stop();
    await this.#bridges?.stop();
    await this.schemes?.stopAll();
    await this.#store?.close();
    await this.#publisher?.stop();
    this.#delivery?.stop();
    await this.#link?.stop({ topic: this.topics.status, payload: 'offline' });
    this.#outbox?.close();
    await this.hardware?.close().catch(() => {});
    await this.#broker?.close();
    this.bus.off(this);
    log.info('stopped');
  }

  async readNow(id: string): Promise<Reading> {
    const running = this.schemes.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (running.runtime instanceof InputScheme) return running.runtime.readNow();
    const state = running.runtime.status(running.enabled, 'output').state;
    if (!state) throw new Error(`${id} has no state yet`);
    return state;
  }

  /** Enables or disables a scheme or a rule; the choice survives restarts. */
  async setEnabled(id: string, enabled: boolean): Promise<'scheme' | 'rule'> {
    if (!this.schemes.get(id) && this.#rules?.has(id)) {
      this.#rules.setEnabled(id, enabled);
      this.#store?.setEnabled('rule', id, enabled);
      this.opts.log.info(`rule ${id}: ${enabled ? 'enabled' : 'disabled'}`);
      return 'rule';
    }
    await this.schemes.setEnabled(id, enabled);
    this.#store?.setEnabled('scheme', id, enabled);
    this.opts.log.info(`${id}: ${enabled ? 'enabled' : 'disabled'}`);
    if (!enabled) this.bus.emit('availability', { id, online: false, reason: 'disabled' });
    this.bus.emit('schemesChanged', {});
    return 'scheme';
  }

  /** Changes a polled input's interval; the change survives restarts. */
  setInterval(id: string, ms: number): void {
    const running = this.schemes.get(id);
    if (!running) throw new Error(`no scheme '${id}' on this node`);
    if (!(running.runtime instanceof InputScheme) || running.runtime.interval === undefined) throw new Error(`${id} is not a polled input`);
    running.runtime.setInterval(ms);
    this.#store?.setInterval(id, ms);
    this.opts.log.info(`${id}: interval set to ${ms} ms`);
  }

  /** Scans the hardware again (`$request/scan`); `$info` carries the latest result. */
  async scan(): Promise<ScanResult | { error: string }> {
    this.#scan = await this.hardware.scan().catch((err) => ({ error: (err as Error).message }));
    return this.#scan;
  }

  /** The rules and their last firings. */
  rules(): unknown[] {
    return this.#rules?.list() ?? [];
  }

  /**
   * Re-reads the schemes directory and applies the difference: new schemes start, removed ones stop
   * and have their retained topics cleared, changed ones restart, and nothing else is touched. A file
   * that has become invalid keeps its last good version running, and the problems go to `$error`.
   */
  async reload(): Promise<{ started: string[]; stopped: string[]; restarted: string[]; invalid: { file: string; problems: string[] }[]; kept: string[] }> {
    const loaded = await this.#loadSchemes();
    for (const p of loaded.problems) this.bus.emit('error', { topic: p.file, error: formatProblem(p) });
    const { effective, kept } = this.#withLastGood(loaded);
    for (const file of kept) this.opts.log.warn(`schemes: ${file} is invalid; its last good version keeps running`);
    this.#loaded = loaded;
    if (JSON.stringify(effective.rules) !== JSON.stringify(this.#effective?.rules)) {
      await this.#rules?.stop();
      this.#rules = this.#createRules(effective);
      await this.#rules.start();
    }
    this.#effective = effective;
    const diff = await this.schemes.apply(this.#withOverrides(effective));
    for (const id of diff.stopped) {
      // A removed scheme takes its retained topics and its saved state with it.
      await this.#publisher!.send({ topic: this.topics.state(id), payload: '', qos: 1, retain: true });
      await this.#publisher!.send({ topic: this.topics.availability(id), payload: '', qos: 1, retain: true });
      this.#store?.deleteState(id);
    }
    this.opts.log.info(`reload: started [${diff.started}], stopped [${diff.stopped}], restarted [${diff.restarted}]`);
    this.bus.emit('schemesChanged', { stopped: diff.stopped });
    return { ...diff, invalid: this.invalidFiles(), kept };
  }

  /** Sends every scheme's latest state again (Home Assistant came back and wants them). */
  async #republishStates(): Promise<void> {
    for (const { scheme } of this.schemes.all()) {
      const saved = this.#store?.getState(scheme.id);
      if (saved) this.bus.emit('state', { id: scheme.id, direction: scheme.direction, state: saved.state, ts: saved.ts });
    }
  }

  /** Valid files as loaded; invalid files as they last were when valid (if they ever were). */
  #withLastGood(loaded: LoadResult): { effective: LoadResult; kept: string[] } {
    const byFile = new Map<string, { inputs: LoadedScheme[]; outputs: LoadedScheme[]; rules: LoadResult['rules'] }>();
    const part = (file: string) => byFile.get(file) ?? byFile.set(file, { inputs: [], outputs: [], rules: [] }).get(file)!;
    for (const s of loaded.inputs) part(s.file).inputs.push(s);
    for (const s of loaded.outputs) part(s.file).outputs.push(s);
    for (const r of loaded.rules) part(r.file).rules.push(r);
    const kept: string[] = [];
    const present = new Set(loaded.files.map((f) => f.file));
    for (const file of [...this.#lastGood.keys()]) if (!present.has(file)) this.#lastGood.delete(file);
    for (const report of loaded.files) {
      if (report.ok) this.#lastGood.set(report.file, part(report.file));
      else if (this.#lastGood.has(report.file)) kept.push(report.file);
    }
    const parts = [...this.#lastGood.values()];
    const effective: LoadResult = {
      ...loaded,
      inputs: parts.flatMap((p) => p.inputs),
      outputs: parts.flatMap((p) => p.outputs),
      rules: parts.flatMap((p) => p.rules),
    };
    return { effective, kept };
  }

  invalidFiles(): { file: string; problems: string[] }[] {
    return (this.#loaded?.files ?? []).filter((f) => !f.ok).map((f) => ({ file: f.file, problems: f.problems.map(formatProblem) }));
  }

  health(): Record<string, unknown> {
    const status = this.schemes.status();
    return {
      node: this.topics.node,
      version,
      hardware: this.hardware.kind,
      uptime_s: Math.round((Date.now() - this.#started!.getTime()) / 1000),
      connection: { url: redact(this.#url ?? ''), ...this.#link?.stats },
      publisher: this.#publisher?.stats,
      outbox: this.#delivery?.stats(),
      bridges: this.#bridges?.status() ?? [],
      schemes: {
        total: status.length,
        online: status.filter((s) => s.online).length,
        failing: status.filter((s) => s.enabled && !s.online).map((s) => ({ id: s.id, error: s.error })),
        disabled: status.filter((s) => !s.enabled).map((s) => s.id),
      },
      invalid_files: this.invalidFiles().length,
      rss_bytes: process.memoryUsage().rss,
    };
  }

  #control() {
    return {
      command: async (id: string, command: Record<string, unknown>) => {
        const running = this.schemes.get(id);
        if (!running) throw new Error(`no output '${id}' on this node; outputs: ${this.schemes.ids('output').join(', ') || 'none'}`);
        if (!(running.runtime instanceof OutputScheme)) throw new Error(`'${id}' is an input; only outputs take commands`);
        if (!running.enabled) throw new Error(`'${id}' is disabled`);
        return running.runtime.command(command);
      },
      request: (op: string, args: Record<string, unknown>) => runOperation(this, op, args),
      simulate: isSim(this.hardware)
        ? (id: string, quantities: Record<string, unknown>) => {
            const sim = this.hardware as unknown as import('../hardware/sim/index.js').SimHardware;
            const device = sim.device(id);
            if (!device) throw new Error(`no simulated device behind '${id}'; schemes: ${this.schemes.all().map((r) => r.scheme.id).join(', ')}`);
            device.set(quantities);
          }
        : undefined,
    };
  }

  /** The loaded schemes with the overrides made through `$request` (interval, disabled) applied. */
  #withOverrides(loaded: LoadResult): LoadedScheme[] {
    const o = this.#store!.overrides();
    return [...loaded.outputs, ...loaded.inputs].map((s) => {
      const interval = o.intervals[s.id];
      const disabled = o.disabled.schemes.includes(s.id);
      const enabled = o.enabled.schemes.includes(s.id);
      if (interval === undefined && !disabled && !enabled) return s;
      const options = { ...(s.options as Record<string, unknown>) };
      if (interval !== undefined && 'interval' in options) options.interval = interval;
      if (disabled) options.enabled = false;
      if (enabled) options.enabled = true;
      return { ...s, options };
    });
  }

  #createRules(loaded: LoadResult): RuleEngine {
    return createRuleEngine({
      rules: loaded.rules,
      disabled: this.#store!.overrides().disabled.rules,
      enabled: this.#store!.overrides().enabled.rules,
      topics: this.topics,
      bus: this.bus,
      log: this.opts.log,
      link: this.#link!,
      publisher: this.#publisher!,
      command: (id, command) => this.#control().command(id, command),
      remote: this.#remoteFacts,
      notify: (bridge, payload) => {
        if (!this.#bridges) return Promise.reject(new Error(`no bridge '${bridge}': hanode.yaml configures none`));
        return this.#bridges.notify(bridge, payload);
      },
    });
  }

  async #loadSchemes(): Promise<LoadResult> {
    const { config, registry, log } = this.opts;
    const result = await loadSchemeDir(config.schemes, registry);
    for (const p of result.problems) log.error(formatProblem(p));
    const skipped = result.files.filter((f) => !f.ok).length;
    log.info(
      `schemes: ${result.files.length} file(s) in ${config.schemes}; ${result.inputs.length} input(s), ${result.outputs.length} output(s), ${result.rules.length} rule(s)` +
        (skipped ? `; ${skipped} invalid file(s) skipped` : ''),
    );
    return result;
  }

  async #brokerUrl(): Promise<string> {
    const { config, log } = this.opts;
    if (config.mqtt.url) return config.mqtt.url;
    const { host, port } = config.broker;
    if (await brokerAnswers(host, port)) {
      log.info(`broker: using the broker answering on ${host}:${port}`);
      return `mqtt://${host}:${port}`;
    }
    this.#broker = await startEmbeddedBroker({ host, port, log });
    log.info(`broker: none answered on ${host}:${port}, so started the embedded broker there`);
    return this.#broker.url;
  }

  async #connect(url: string): Promise<MqttLink> {
    const { config, log } = this.opts;
    const read = (f?: string) => (f ? readFile(f) : undefined);
    const link = new MqttLink({
      url,
      clientId: config.mqtt.client_id ?? `hanode-${config.node.id}`,
      username: config.mqtt.username,
      password: config.mqtt.password,
      ca: await read(config.mqtt.ca),
      cert: await read(config.mqtt.cert),
      key: await read(config.mqtt.key),
      keepalive: config.mqtt.keepalive,
      will: { topic: this.topics.status, payload: 'offline', retain: true, qos: 1 },
      // The embedded broker speaks 3.1.1 (and gives us retain-as-published anyway).
      protocolVersion: this.#broker ? 4 : 5,
      // Back within 10 s of the broker's return, however long it was away.
      backoff: { min: 500, max: 10_000 },
      log,
    });
    // After a reconnect the broker may have published our will: say we are back.
    link.onConnect(() => this.#ready && void this.#announce());
    log.info(`MQTT: connecting to ${redact(url)} as ${config.mqtt.client_id ?? `hanode-${config.node.id}`}`);
    await link.start();
    return link;
  }

  async #announce(): Promise<void> {
    // Restored output states (and first readings) reach the broker before `online` does.
    await this.#delivery?.settled();
    await this.#publishInfo();
    await this.#publisher!.send({ topic: this.topics.status, payload: 'online', qos: 1, retain: true });
    this.opts.log.info(`online: ${this.topics.status}`);
  }

  async #publishInfo(): Promise<void> {
    if (!this.#publisher) return;
    const info = {
      version,
      node: this.topics.node,
      hardware: this.hardware.kind,
      inputs: this.schemes.ids('input'),
      outputs: this.schemes.ids('output'),
      started: this.#started!.toISOString(),
      outbox: { backlog: this.#delivery?.stats().backlog ?? 0, dropped: this.#delivery?.stats().dropped ?? 0 },
      scan: this.#scan ?? (await this.scan()),
    };
    await this.#publisher.send({ topic: this.topics.info, payload: JSON.stringify(info), qos: 1, retain: true });
  }
}

/** One log line per kind of hardware the scan found. */
function describeFound(scan: ScanResult | { error: string }): string[] {
  if ('error' in scan) return [`the hardware scan failed: ${scan.error}`];
  const lines = [
    ...scan.gpiochips.map((c) => `${c.name} '${c.label}' (base ${c.base}, ${c.ngpio} lines)`),
    ...scan.i2c.map((b) => `I2C bus ${b.bus}: ${b.addresses.map((a) => `${a.hex}${a.likely.length ? ` (${a.likely.slice(0, 2).join('/')})` : ''}`).join(', ') || 'no device answered'}`),
    ...(scan.spi.length ? [`SPI: ${scan.spi.map((d) => d.path).join(', ')}`] : []),
    ...(scan.onewire.length ? [`1-wire: ${scan.onewire.join(', ')}`] : []),
    `${scan.system.model ?? 'unknown model'}, kernel ${scan.system.kernel}`,
  ];
  return lines;
}
