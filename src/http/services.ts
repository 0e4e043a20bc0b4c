/**
 * The services behind `history:`, `http:` and `time:` in hanode.yaml, built together because they
 * share their parts: the recorder feeds the API, the metrics collect from every other service.
 * `recording` starts before any scheme (it sees every first state); `serving` after the node is up.
 */
import type { Logger } from 'pino';
import type { HistoryConfig } from '../history/schema.js';
import type { HttpConfig, TimeConfig } from './schema.js';
import type { EventBus } from '../core/bus.js';
import type { MessageHooks } from '../core/message-hooks.js';
import type { Service } from '../core/service.js';
import type { MqttLink } from '../mqtt/link.js';
import type { Publisher } from '../publisher/publisher.js';
import type { SchemeRuntime } from '../runtime/schemes.js';
import type { BridgeStatus } from '../bridge/base.js';
import { HistoryService } from '../history/recorder.js';
import { CallbackService } from './callbacks.js';
import type { Metrics } from './metrics.js';
import { NodeMetrics } from './node-metrics.js';
import { HttpService } from './server.js';
import { TimePublisher } from './time.js';
import type { DriverRegistry } from '../core/registry.js';
import type { ScanResult } from '../hardware/types.js';
import { planDrafts } from '../schemes/drafts.js';
import { DashboardFeed } from './dashboard/feed.js';

export interface HttpServicesContext {
  /** The `history:`, `http:` and `time:` sections of hanode.yaml, each absent when it is. */
  config: { history?: HistoryConfig; http?: HttpConfig; time?: TimeConfig; base_topic: string; data: string; schemes: string; node: { id: string } };
  link: MqttLink;
  bus: EventBus;
  log: Logger;
  metrics: Metrics;
  publisher: Publisher;
  schemes: SchemeRuntime;
  health: () => Record<string, unknown>;
  bridges?: { status(): BridgeStatus[] };
  hooks?: MessageHooks;
  registry: DriverRegistry;
  /** The node's last hardware scan, for the dashboard's draft schemes. */
  lastScan: () => ScanResult | { error: string } | undefined;
  /** Runs a `$request` operation (the dashboard's pairing button). */
  request: (op: string, args: Record<string, unknown>) => Promise<unknown>;
}

export function httpServices(ctx: HttpServicesContext): { recording: Service[]; serving: Service[]; http?: HttpService } {
  const { config, link, bus, log, metrics, publisher, schemes, bridges, hooks } = ctx;
  const history = config.history
    ? new HistoryService({ config: config.history, base: config.base_topic, dataDir: config.data, link, log: log.child({ service: 'history' }) })
    : undefined;
  const time = new TimePublisher({ base: config.base_topic, link, log, everyMs: config.time?.publish_every });
  const callbacks = config.http ? new CallbackService({ dataDir: config.data, link, log: log.child({ service: 'callbacks' }), max: config.http.max_callbacks }) : undefined;
  const nodeMetrics = new NodeMetrics({
    metrics,
    bus,
    outbox: () => publisher.outboxStats(),
    published: () => publisher.stats,
    bridges: bridges && (() => bridges.status()),
    callbacks,
    history,
    hooks,
    mqtt: () => link.stats,
  });
  // The dashboard's feed listens from before the first scheme starts, so its log has start-up errors.
  const feed = config.http ? new DashboardFeed({ base: config.base_topic, node: config.node.id, link, bus, log: log.child({ service: 'dashboard' }) }) : undefined;
  const drafts = async () => {
    const scan = ctx.lastScan();
    if (!scan || 'error' in scan) throw new Error(`no hardware scan to draft from${scan ? `: ${scan.error}` : ''}`);
    return { dir: config.schemes, ...(await planDrafts(scan, config.schemes, { registry: ctx.registry })) };
  };
  const http = config.http
    ? new HttpService({
        config: config.http,
        base: config.base_topic,
        link,
        bus,
        log: log.child({ service: 'http' }),
        metrics,
        history,
        callbacks: callbacks!,
        outputs: schemes,
        published: () => publisher.settled(),
        health: ctx.health,
        publishTime: () => time.publish(),
        dashboard: { base: config.base_topic, node: config.node.id, feed: feed!, registry: ctx.registry, schemes, drafts, request: ctx.request },
      })
    : undefined;
  return {
    recording: [...(history ? [history] : []), ...(feed ? [feed] : [])],
    serving: [nodeMetrics, ...(config.time?.publish_every ? [time] : []), ...(callbacks ? [callbacks] : []), ...(http ? [http] : [])],
    http,
  };
}
