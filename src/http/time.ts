/** The node's time on `B/$time` (M1), on request and, with `time.publish_every`, on a schedule. */
import type { Logger } from 'pino';
import type { Service } from '../core/service.js';
import type { MqttLink } from '../mqtt/link.js';

export interface TimeNow {
  ts: string;
  epoch_ms: number;
}

export function timeNow(now = new Date()): TimeNow {
  return { ts: now.toISOString(), epoch_ms: now.getTime() };
}

export class TimePublisher implements Service {
  readonly name = 'time';
  #timer?: NodeJS.Timeout;

  constructor(private readonly ctx: { base: string; link: MqttLink; log: Logger; everyMs?: number }) {}

  get topic(): string {
    return `${this.ctx.base}/$time`;
  }

  /** Publishes the time now (not retained: an old time is wrong) and returns what it published. */
  async publish(): Promise<TimeNow> {
    const now = timeNow();
    await this.ctx.link.publish(this.topic, JSON.stringify(now), { qos: 1, retain: false });
    return now;
  }

  async start(): Promise<void> {
    const every = this.ctx.everyMs;
    if (!every) return;
    this.#timer = setInterval(() => this.publish().catch((err) => this.ctx.log.warn(`cannot publish the time: ${(err as Error).message}`)), every);
    this.ctx.log.info(`time: publishing on ${this.topic} every ${every} ms`);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }
}
