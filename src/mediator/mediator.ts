/**
 * Turns MQTT control topics into actions: `B/N/S/set` into output commands, `B/N/$request/OP`
 * into operations answered on `$response/OP`, and (under sim) `B/N/$sim/S/set` into simulated
 * physics. Nothing a sender does can throw out of here: every rejection becomes a `$error`.
 */
import { redactValues } from '../core/redact.js';
import type { Logger } from 'pino';
import type { IPublishPacket } from 'mqtt';
import type { EventBus } from '../core/bus.js';
import type { Reading } from '../core/driver.js';
import { parseTopic, type Topics } from '../core/topics.js';
import { excerpt, MAX_ERROR_CHARS, MAX_PAYLOAD_BYTES, MAX_SCHEME_FILE_BYTES, sizeError } from '../core/limits.js';
import type { Service } from '../core/service.js';
import type { MqttLink } from '../mqtt/link.js';
import { parseSetPayload } from '../core/set-payload.js';

/** An operation's answer that has something to do once the answer is out (a restart). */
export class AfterReply {
  constructor(
    readonly data: unknown,
    readonly afterReply: () => void,
  ) {}
}

/** A refusal whose answer also carries `data` (the problems of an invalid scheme file, say). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

/**
 * The largest `$request` payload: {@link MAX_PAYLOAD_BYTES}, except `scheme/put`, which carries a
 * whole scheme file (up to {@link MAX_SCHEME_FILE_BYTES}) JSON-quoted plus room for its escapes.
 */
export function requestLimit(op: string): number {
  return op === 'scheme/put' ? MAX_SCHEME_FILE_BYTES + MAX_PAYLOAD_BYTES : MAX_PAYLOAD_BYTES;
}

export interface MediatorContext {
  link: MqttLink;
  bus: EventBus;
  topics: Topics;
  log: Logger;
  /** The node's outputs (the scheme runtime): applies a command; rejects with a reason fit for `$error`. */
  outputs: { command(id: string, command: Record<string, unknown>): Promise<Reading> };
  /** Runs one `$request` operation; rejects with a reason. */
  request(op: string, args: Record<string, unknown>): Promise<unknown>;
  /** Asked at start: what sets simulated quantities behind a scheme, when the node runs on sim. */
  simulator?: () => { simulate(id: string, quantities: Record<string, unknown>): void } | undefined;
  /** Values from `!secret` and `${VAR}` (hanode.yaml and scheme files): hidden in every answer, as in logs and `$error`. */
  sensitive?: readonly string[];
}

export class Mediator implements Service {
  readonly name = 'mediator';
  readonly #handler = (t: string, p: Buffer, pk: IPublishPacket) => this.#onMessage(t, p, pk);
  #simulator?: { simulate(id: string, quantities: Record<string, unknown>): void };

  constructor(private readonly ctx: MediatorContext) {}

  async start(): Promise<void> {
    const { link, topics } = this.ctx;
    const prefix = `${topics.base}/${topics.node}`;
    link.subscribe(`${prefix}/+/set`, this.#handler, { rap: true });
    link.subscribe(`${prefix}/$request/+`, this.#handler, { rap: true });
    link.subscribe(`${prefix}/$request/+/+`, this.#handler, { rap: true });
    this.#simulator = this.ctx.simulator?.();
    if (this.#simulator) link.subscribe(`${prefix}/$sim/+/set`, this.#handler, { rap: true });
  }

  async stop(): Promise<void> {
    this.ctx.link.unsubscribe(this.#handler);
  }

  #onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const parsed = parseTopic(this.ctx.topics.base, this.ctx.topics.node, topic);
    // A retained command is an old command: acting on it at every (re)connect would replay it.
    if (packet.retain) {
      if (parsed.kind === 'set' || parsed.kind === 'sim') this.ctx.log.info(`${topic}: ignoring a retained command`);
      return;
    }
    if (parsed.kind === 'set' || parsed.kind === 'request' || parsed.kind === 'sim') {
      const tooLarge = sizeError(payload.length, parsed.kind === 'request' ? requestLimit(parsed.op) : MAX_PAYLOAD_BYTES);
      if (tooLarge) return this.#refuseOversize(topic, parsed, tooLarge);
    }
    switch (parsed.kind) {
      case 'set':
        return void this.#set(topic, parsed.id, payload);
      case 'request':
        return void this.#request(parsed.op, payload);
      case 'sim':
        return this.#simulate(topic, parsed.id, payload);
      default:
        return;
    }
  }

  async #set(topic: string, id: string, payload: Buffer): Promise<void> {
    const parsed = parseSetPayload(payload);
    if (!parsed.ok) return this.#reject(topic, parsed.error);
    try {
      await this.ctx.outputs.command(id, parsed.command);
    } catch (err) {
      this.#reject(topic, (err as Error).message);
    }
  }

  async #request(op: string, payload: Buffer): Promise<void> {
    const { topics, link } = this.ctx;
    let args: Record<string, unknown> = {};
    const text = payload.toString('utf8').trim();
    let transaction: unknown;
    const reply = (body: Record<string, unknown>) =>
      link
        .publish(topics.response(op), redactValues(JSON.stringify({ ...body, ...(transaction !== undefined ? { transaction } : {}) }), this.ctx.sensitive ?? []), { qos: 1, retain: false })
        .catch((err) => this.ctx.log.warn(`reply to ${op} failed: ${err.message}`));
    if (text) {
      try {
        const value = JSON.parse(text);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
        args = value;
        transaction = args.transaction;
      } catch (err) {
        const error = excerpt(`invalid request payload: ${(err as Error).message}`, MAX_ERROR_CHARS);
        this.#reject(topics.request(op), error);
        return void (await reply({ status: 'error', error }));
      }
    }
    let result: unknown;
    try {
      result = await this.ctx.request(op, args);
    } catch (err) {
      // The reason may quote the request (an unknown id, say): send back only an excerpt.
      const error = excerpt((err as Error).message, MAX_ERROR_CHARS);
      this.#reject(topics.request(op), error);
      const data = err instanceof RequestError ? err.data : undefined;
      return void (await reply({ status: 'error', error, ...(data !== undefined ? { data } : {}) }));
    }
    const data = result instanceof AfterReply ? result.data : result;
    await reply({ status: 'ok', ...(data !== undefined ? { data } : {}) });
    if (result instanceof AfterReply) result.afterReply();
  }

  #simulate(topic: string, id: string, payload: Buffer): void {
    let quantities: unknown;
    try {
      quantities = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return this.#reject(topic, `invalid JSON: ${(err as Error).message}; expected e.g. {"temperature":26.5}`);
    }
    if (quantities === null || typeof quantities !== 'object' || Array.isArray(quantities)) {
      return this.#reject(topic, 'expected a JSON object of physical quantities, e.g. {"temperature":26.5}');
    }
    try {
      this.#simulator!.simulate(id, quantities as Record<string, unknown>);
    } catch (err) {
      this.#reject(topic, (err as Error).message);
    }
  }

  /** An oversized payload is refused before it is parsed; a request still gets its (error) reply. */
  #refuseOversize(topic: string, parsed: { kind: string; op?: string }, error: string): void {
    this.#reject(topic, error);
    if (parsed.kind !== 'request') return;
    const { link, topics, log } = this.ctx;
    link
      .publish(topics.response(parsed.op!), JSON.stringify({ status: 'error', error }), { qos: 1, retain: false })
      .catch((err) => log.warn(`reply to ${parsed.op} failed: ${err.message}`));
  }

  #reject(topic: string, error: string): void {
    this.ctx.bus.emit('error', { topic, error });
  }
}
