/**
 * The node's figures as `hanode_*` metrics. Most are read from their owners at scrape time; the
 * readings per scheme and the errors are counted here from the event bus. Another service adds its
 * own families with `metrics.register(...)` (the gateway's devices, for one).
 */
import type { EventBus } from '../core/bus.js';
import type { MessageHooks } from '../core/message-hooks.js';
import type { Service } from '../core/service.js';
import type { BridgeStatus } from '../bridge/base.js';
import type { DeliveryStats } from '../publisher/delivery.js';
import type { HistoryService } from '../history/recorder.js';
import type { CallbackService } from './callbacks.js';
import { Counter, type Metrics } from './metrics.js';

export interface NodeMetricsContext {
  metrics: Metrics;
  bus: EventBus;
  outbox: () => DeliveryStats | undefined;
  published: () => { published: number; failed: number };
  bridges?: () => BridgeStatus[];
  callbacks?: CallbackService;
  history?: HistoryService;
  hooks?: MessageHooks;
  mqtt: () => { connected: boolean; reconnects: number };
}

export class NodeMetrics implements Service {
  readonly name = 'metrics';
  /** States per scheme id, counted by id: a labels object and its JSON at every reading cost more than the count. */
  readonly #readings = new Map<string, number>();
  readonly #errors = new Counter();

  constructor(private readonly ctx: NodeMetricsContext) {}

  async start(): Promise<void> {
    const { metrics: m, bus } = this.ctx;
    bus.on('state', this, ({ id }) => void this.#readings.set(id, (this.#readings.get(id) ?? 0) + 1));
    bus.on('error', this, () => this.#errors.inc());
    const gauge = (name: string, help: string, value: () => number | undefined) =>
      m.register({ name, help, type: 'gauge', collect: () => [{ value: value() ?? 0 }] });
    const counter = (name: string, help: string, value: () => number | undefined) =>
      m.register({ name, help, type: 'counter', collect: () => [{ value: value() ?? 0 }] });
    m.register({ name: 'hanode_readings_total', help: 'States produced, per scheme', type: 'counter', collect: () => [...this.#readings].map(([scheme, value]) => ({ labels: { scheme }, value })) });
    m.register({ name: 'hanode_errors_total', help: 'Errors reported on $error', type: 'counter', collect: () => this.#errors.samples() });
    gauge('hanode_outbox_depth', 'Messages waiting in the outbox', () => this.ctx.outbox()?.backlog);
    counter('hanode_outbox_dropped_total', 'Messages the outbox bounds dropped', () => this.ctx.outbox()?.dropped);
    counter('hanode_published_total', 'Messages published', () => this.ctx.published().published);
    counter('hanode_publish_failed_total', 'Publishes that failed', () => this.ctx.published().failed);
    gauge('hanode_mqtt_connected', '1 while the MQTT link is up', () => (this.ctx.mqtt().connected ? 1 : 0));
    counter('hanode_mqtt_reconnects_total', 'MQTT reconnects', () => this.ctx.mqtt().reconnects);
    const { bridges, callbacks, history, hooks } = this.ctx;
    if (bridges) {
      m.register({ name: 'hanode_bridge_backlog', help: 'Messages waiting in each bridge backlog', type: 'gauge', collect: () => bridges().map((b) => ({ labels: { bridge: b.id }, value: b.backlog })) });
      m.register({ name: 'hanode_bridge_dropped_total', help: 'Messages each bridge backlog dropped', type: 'counter', collect: () => bridges().map((b) => ({ labels: { bridge: b.id }, value: b.dropped })) });
      m.register({ name: 'hanode_bridge_online', help: '1 while a bridge is online', type: 'gauge', collect: () => bridges().map((b) => ({ labels: { bridge: b.id }, value: b.online ? 1 : 0 })) });
    }
    if (callbacks) {
      m.register({ name: 'hanode_callback_backlog', help: 'Messages waiting for each callback', type: 'gauge', collect: () => callbacks.list().map((c) => ({ labels: { callback: c.id }, value: c.backlog })) });
      gauge('hanode_callbacks', 'Callbacks registered', () => callbacks.count);
    }
    if (history) {
      gauge('hanode_history_rows', 'Records in the history store', () => history.stats().rows);
      gauge('hanode_history_bytes', 'Topic and payload bytes in the history store', () => history.stats().bytes);
      counter('hanode_history_recorded_total', 'Messages recorded since start', () => history.stats().recorded);
      counter('hanode_history_skipped_total', 'Messages over the 1 MiB record limit, left out', () => history.stats().skipped);
      counter('hanode_history_failed_total', 'Messages that could not be recorded', () => history.stats().failed);
      counter('hanode_history_retention_deleted_total', 'Records deleted by retention since start', () => history.stats().retentionDeleted);
    }
    if (hooks && !hooks.empty) {
      const per = (key: 'calls' | 'errors' | 'slow') => () =>
        (['onMessageReceived', 'onMessageSent'] as const).map((hook) => ({ labels: { hook }, value: hooks.counts[hook][key] }));
      m.register({ name: 'hanode_hook_calls_total', help: 'Plugin message hook calls', type: 'counter', collect: per('calls') });
      m.register({ name: 'hanode_hook_errors_total', help: 'Plugin message hooks that threw or rejected', type: 'counter', collect: per('errors') });
      m.register({ name: 'hanode_hook_slow_total', help: 'Plugin message hooks that ran past 100 ms', type: 'counter', collect: per('slow') });
    }
  }

  async stop(): Promise<void> {
    this.ctx.bus.off(this);
  }
}
