/**
 * A recording MQTT subscriber for delivery tests. Unlike `Probe`, it can hold a persistent
 * session (clean: false, fixed clientId, QoS 1), so with a persistent Mosquitto it gets, after a
 * broker restart, what was published while it was reconnecting. Plus the helpers those tests
 * share: `$request` round trips and checks on a `ts` sequence.
 */
import { connect, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  /** Arrival time (ms since epoch). */
  at: number;
}

export interface SubscriberOptions {
  /** Fixed clientId and clean: false: the broker keeps the session and queues QoS 1 messages. */
  persistent?: string;
}

export class Subscriber {
  readonly messages: Received[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain, at: Date.now() });
    });
  }

  static async connect(url: string, filter: string | string[], opts: SubscriberOptions = {}): Promise<Subscriber> {
    const client = connect(url, {
      clientId: opts.persistent ?? `sub-${Math.random().toString(16).slice(2)}`,
      clean: !opts.persistent,
      protocolVersion: 4,
      reconnectPeriod: 100,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const sub = new Subscriber(client);
    await client.subscribeAsync(filter, { qos: 1 });
    return sub;
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  /**
   * Resolves once `check()` is true: checked now, then every 50 ms (not per message, so a check
   * that walks all messages stays cheap under tens of thousands of them). `what` names the wait in
   * the timeout error; as a function it is asked only then (e.g. for a child's output so far).
   */
  until(check: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        if (err) reject(err);
        else resolve();
      };
      const test = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => done(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`)), timeoutMs);
      const poll = setInterval(test, 50);
    });
  }

  /** Sends `B/N/$request/OP` and resolves with the `$response/OP` carrying the same transaction. */
  async request(node: string, op: string, args: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<any> {
    const transaction = `t-${Math.random().toString(16).slice(2)}`;
    const responseTopic = `${node}/$response/${op}`;
    const since = this.messages.length;
    const find = () =>
      this.messages.slice(since).find((m) => {
        if (m.topic !== responseTopic) return false;
        try {
          return JSON.parse(m.payload).transaction === transaction;
        } catch {
          return false;
        }
      });
    await this.client.publishAsync(`${node}/$request/${op}`, JSON.stringify({ ...args, transaction }), { qos: 1 });
    await this.until(() => find() !== undefined, timeoutMs, `${responseTopic} (transaction ${transaction})`);
    const reply = JSON.parse(find()!.payload);
    if (reply.status !== 'ok') throw new Error(`${op} failed: ${reply.error}`);
    return reply.data;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** The `ts` of each state JSON on `topic`, in arrival order, as ms since epoch. */
export function tsOf(messages: readonly Received[], topic: string): number[] {
  const out: number[] = [];
  for (const m of messages) {
    if (m.topic !== topic || m.payload === '') continue;
    const ts = JSON.parse(m.payload).ts;
    if (typeof ts !== 'string') throw new Error(`no ts in ${m.payload} on ${topic}`);
    out.push(Date.parse(ts));
  }
  return out;
}

/** The largest step between consecutive distinct values of `ts` (sorted first), with where it is. */
export function largestGap(ts: readonly number[]): { gap: number; from: number; to: number } {
  const sorted = [...new Set(ts)].sort((a, b) => a - b);
  let best = { gap: 0, from: NaN, to: NaN };
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i] - sorted[i - 1];
    if (gap > best.gap) best = { gap, from: sorted[i - 1], to: sorted[i] };
  }
  return best;
}

/** Every step above `max` between consecutive distinct values of `ts` (sorted first). */
export function gapsOver(ts: readonly number[], max: number): { gap: number; from: number; to: number }[] {
  const sorted = [...new Set(ts)].sort((a, b) => a - b);
  const out: { gap: number; from: number; to: number }[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] > max) out.push({ gap: sorted[i] - sorted[i - 1], from: sorted[i - 1], to: sorted[i] });
  return out;
}

/**
 * Where arrival order breaks per-topic order: a value that is new (never seen before) yet older
 * than one already seen. Repeats of values already seen are at-least-once duplicates and allowed.
 */
export function orderBreaks(values: readonly number[]): { index: number; value: number; after: number }[] {
  const seen = new Set<number>();
  let max = -Infinity;
  const breaks: { index: number; value: number; after: number }[] = [];
  values.forEach((v, index) => {
    if (seen.has(v)) return;
    seen.add(v);
    if (v < max) breaks.push({ index, value: v, after: max });
    max = Math.max(max, v);
  });
  return breaks;
}

/** How many arrivals repeat a value already seen. */
export function duplicates(values: readonly number[]): number {
  return values.length - new Set(values).size;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
