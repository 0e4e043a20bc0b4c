/** Shared plumbing of the bridge tests: a recording logger, a local link, a service built from plain objects. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { connect, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { EventBus } from '../../src/core/bus.js';
import { MqttLink } from '../../src/mqtt/link.js';
import type { Clock } from '../../src/core/clock.js';
import { BridgeService } from '../../src/bridge/service.js';
import { validateBridges } from '../../src/bridge/validate.js';
import type { TestCerts } from './certs.js';

export const NODE = 'test-pi';

/** A logger whose lines (JSON text) a test can search, e.g. for a password. */
export function recordingLog(level = process.env.HANODE_TEST_LOG || 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      if (process.env.HANODE_TEST_LOG) process.stderr.write(chunk);
      done();
    },
  });
  return { log: pino({ level }, stream), lines };
}

/** The bridges' own local link: MQTT 3.1.1, so overlapping filters bring one copy. */
export async function localLink(url: string, log: Logger, name = 'bridges'): Promise<MqttLink> {
  const link = new MqttLink({
    url,
    clientId: `hanode-${NODE}-${name}-${Math.random().toString(16).slice(2, 8)}`,
    will: { topic: `han/${NODE}/$bridge/status`, payload: 'offline', retain: false, qos: 0 },
    protocolVersion: 4,
    backoff: { min: 100, max: 1_000 },
    log,
  });
  await link.start();
  return link;
}

export interface Running {
  service: BridgeService;
  link: MqttLink;
  bus: EventBus;
  errors: { topic: string; error: string }[];
  lines: string[];
  dataDir: string;
  stop(): Promise<void>;
}

/** Validates raw bridge entries (as hanode.yaml would hold them) and starts a service on `localUrl`. */
export async function startBridges(
  localUrl: string,
  raw: unknown[],
  opts: { clock?: Clock; dataDir?: string; dir?: string; beforeStart?: () => void } = {},
): Promise<Running> {
  const { bridges, problems } = validateBridges(raw, { dir: opts.dir ?? process.cwd() });
  if (problems.length) throw new Error(problems.map((p) => p.message).join('\n'));
  opts.beforeStart?.();
  const { log, lines } = recordingLog();
  const bus = new EventBus(log);
  const errors: { topic: string; error: string }[] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const link = await localLink(localUrl, log);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'hanode-bridge-'));
  const service = new BridgeService({ bridges, node: NODE, base: 'han', localLink: link, bus, log, dataDir, clock: opts.clock });
  await service.start();
  return {
    service,
    link,
    bus,
    errors,
    lines,
    dataDir,
    async stop() {
      await service.stop();
      await link.stop();
    },
  };
}

/** An mqtt.js client for the TLS "cloud", with the test client certificate. */
export async function cloudClient(url: string, certs: TestCerts, opts: { clientId?: string; clean?: boolean; protocolVersion?: 4 | 5 } = {}): Promise<MqttClient> {
  const client = connect(url, {
    clientId: opts.clientId ?? `cloud-${Math.random().toString(16).slice(2, 8)}`,
    clean: opts.clean ?? true,
    protocolVersion: opts.protocolVersion ?? 5,
    ca: readFileSync(certs.ca),
    cert: readFileSync(certs.clientCert),
    key: readFileSync(certs.clientKey),
    reconnectPeriod: 200,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Records what a client receives and waits for it. */
export class Inbox {
  readonly messages: { topic: string; payload: string; at: number }[] = [];
  #waiters: (() => void)[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => {
      this.messages.push({ topic, payload: payload.toString(), at: Date.now() });
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  on(topic: string): string[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => m.payload);
  }

  /** Resolves once `check` holds over what has arrived. */
  async until(check: () => boolean, timeoutMs = 5_000, what = 'the expected messages'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (e.g. a PUBACK that trails the subscriber's copy). */
export async function eventually(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(20);
}
