/** A line device for tests: the example client (examples/gateway/client.mjs) with timeouts. */
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { lineClient } from '../../examples/gateway/client.mjs';
import { gatewaySchema, type GatewayConfig } from '../../src/gateway/config.js';
import type { Agent } from '../../src/agent/agent.js';
import type { GatewayService } from '../../src/gateway/service.js';

export interface Reply {
  line: string;
  command: string;
  [key: string]: string;
}

export interface TestDevice {
  send(command: string, fields?: Record<string, string>): void;
  /** The next line from the gateway; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<Reply>;
  /** Sends a command and returns the next line (the OK or BAD answering it). */
  ask(command: string, fields?: Record<string, string>): Promise<Reply>;
  /** Like `ask`, answering any HELLO? that comes first (for gateways with a short keepalive). */
  askAlive(command: string, fields?: Record<string, string>): Promise<Reply>;
  /** Resolves true when the gateway ends the stream within `timeoutMs`. */
  ended(timeoutMs?: number): Promise<boolean>;
  close(): void;
  stream: Duplex;
}

/** `close` defaults to destroying the stream; a serial port must be closed instead (its destroy leaves the port reading). */
export function device(stream: Duplex, close: () => void = () => stream.destroy()): TestDevice {
  const client = lineClient(stream);
  let ended = false;
  const endWaiters: (() => void)[] = [];
  stream.on('close', () => ((ended = true), endWaiters.splice(0).forEach((f) => f())));
  stream.on('end', () => ((ended = true), endWaiters.splice(0).forEach((f) => f())));
  stream.on('error', () => {});
  const next = (timeoutMs = 5_000): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line from the gateway within ${timeoutMs} ms`)), timeoutMs);
      void client.next().then((r: Reply) => (clearTimeout(timer), resolve(r)));
    });
  return {
    stream,
    send: (command, fields = {}) => void client.send(command, fields),
    next,
    ask: (command, fields = {}) => (client.send(command, fields), next()),
    askAlive: async (command, fields = {}) => {
      client.send(command, fields);
      for (;;) {
        const r = await next();
        if (r.command !== 'HELLO?') return r;
        client.send('HELLO!', {});
      }
    },
    ended: (timeoutMs = 5_000) =>
      ended ? Promise.resolve(true) : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        endWaiters.push(() => (clearTimeout(timer), resolve(true)));
      }),
    close,
  };
}

/** Connects to the gateway of `agent` over TCP. */
export async function tcpDevice(agent: Agent): Promise<TestDevice> {
  const port = gatewayOf(agent).port!;
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('error', reject)));
  return device(socket);
}

/** Connects and sends ID; resolves once the gateway said OK. */
export async function identified(agent: Agent, id: string): Promise<TestDevice> {
  const d = await tcpDevice(agent);
  const r = await d.ask('ID', { ID: id });
  if (r.command !== 'OK') throw new Error(`ID ${id} got ${r.line}`);
  return d;
}

export function gatewayOf(agent: Agent): GatewayService {
  return agent.services.find((s) => s.name === 'gateway') as GatewayService;
}

/** A gateway section as hanode.yaml would give it, defaults filled in. */
export function gatewayConfig(raw: Record<string, unknown>): GatewayConfig {
  return gatewaySchema().parse(raw);
}
