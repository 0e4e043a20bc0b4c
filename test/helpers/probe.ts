/** A plain mqtt.js client that records what it sees and waits for messages: the test's eyes on the broker. */
import { connect, type MqttClient } from 'mqtt';

export interface Seen {
  /** Position in arrival order; `probe.mark()` gives the next one. */
  seq: number;
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

export class Probe {
  readonly messages: Seen[] = [];
  #waiters: { match: (m: Seen) => boolean; resolve: (m: Seen) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m = { seq: this.messages.length, topic, payload: payload.toString(), retain: packet.retain, at: Date.now() };
      this.messages.push(m);
      this.#waiters = this.#waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
  }

  static async connect(url: string, subscribe: string | string[] = 'han/#'): Promise<Probe> {
    const client = connect(url, { clientId: `probe-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 200 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const probe = new Probe(client);
    await client.subscribeAsync(subscribe, { qos: 1 });
    return probe;
  }

  /** The position of the next message to arrive: pass it as `since` to look only at later ones. */
  mark(): number {
    return this.messages.length;
  }

  /** Resolves with the first message at or after position `since` (seen already, or still to come) that matches. */
  waitFor(topic: string, predicate: (payload: string, m: Seen) => boolean = () => true, timeoutMs = 5_000, since = 0): Promise<Seen> {
    const match = (m: Seen) => m.topic === topic && m.seq >= since && predicate(m.payload, m);
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        const last = this.messages.filter((m) => m.topic === topic).slice(-3).map((m) => m.payload);
        reject(new Error(`no matching message on ${topic} within ${timeoutMs} ms; last seen there: ${JSON.stringify(last)}`));
      }, timeoutMs);
      const done = (m: Seen) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push({ match, resolve: done });
    });
  }

  /** Waits for a state JSON on `topic` whose fields satisfy `predicate`. */
  waitForState(topic: string, predicate: (state: Record<string, any>) => boolean, timeoutMs = 5_000, since = 0): Promise<Record<string, any>> {
    return this.waitFor(topic, (p) => {
      try {
        return predicate(JSON.parse(p));
      } catch {
        return false;
      }
    }, timeoutMs, since).then((m) => JSON.parse(m.payload));
  }

  on(topic: string): Seen[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async publish(topic: string, payload: string, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
