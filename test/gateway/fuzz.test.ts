/**
 * Fuzz (issue 14, acceptance 2): 100,000+ random and mutated lines over real TCP connections to a
 * running gateway. Every line but a well-formed HELLO! or CLOSE (which the protocol never answers)
 * gets exactly one OK or BAD, in order, and the connections keep answering to the end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { useBroker } from '../helpers/broker-fixture.js';
import { nodeDir, startNode } from '../helpers/node.js';
import type { Agent } from '../../src/agent/agent.js';
import { MAX_LINE_BYTES, parseLine } from '../../src/gateway/protocol.js';
import { gatewayConfig, gatewayOf } from './device.js';

/** A small seeded generator, so a failure can be replayed from the seed in its message. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CORPUS = [
  'START | COMMAND=HELLO! | END',
  'START | COMMAND=SUB | VARIABLE=fuzz_a | END',
  'START | COMMAND=UNSUB | VARIABLE=fuzz_a | END',
  'START | COMMAND=UNSUBALL | END',
  'START | COMMAND=PUB | VARIABLE=fuzz_b | VALUE=1 | 2 = 3 | END',
  'START | COMMAND=DEL | VARIABLE=fuzz_b | END',
  'START | COMMAND=MSG | DEVICE=fuzz-peer | VALUE=hi | END',
  'START | COMMAND=ID | ID=fuzz-1 | END',
  'START | COMMAND=CLOSE | END',
];
const ALPHABET = Buffer.from('START|COMMAND=ENDVALUEIDPUBSUBMSG!?= \t\r|_.-0123456789azAZ\u00e9');

function mutate(line: Buffer, r: () => number): Buffer {
  let b = Buffer.from(line);
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (b.length + 1));
    const pick = r();
    if (pick < 0.25) b = Buffer.concat([b.subarray(0, at), Buffer.from([ALPHABET[Math.floor(r() * ALPHABET.length)]!]), b.subarray(at)]);
    else if (pick < 0.45 && b.length) b[Math.min(at, b.length - 1)] = Math.floor(r() * 256);
    else if (pick < 0.65) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(r() * 8)))]);
    else if (pick < 0.8) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.floor(r() * b.length)), b.subarray(at)]);
    else if (pick < 0.9) b = b.subarray(0, at);
    else b = Buffer.from(b.toString('latin1').toLowerCase(), 'latin1');
  }
  return b;
}

/** A line never holds LF: that would make it two lines. */
function randomLine(r: () => number): Buffer {
  const line = anyLine(r);
  for (let i = line.indexOf(0x0a); i >= 0; i = line.indexOf(0x0a, i)) line[i] = 0x0b;
  return line;
}

function anyLine(r: () => number): Buffer {
  const pick = r();
  if (pick < 0.55) return mutate(Buffer.from(CORPUS[Math.floor(r() * CORPUS.length)]!), r);
  if (pick < 0.75) return Buffer.from(Array.from({ length: Math.floor(r() * 120) }, () => Math.floor(r() * 256)));
  if (pick < 0.95) return Buffer.from(Array.from({ length: Math.floor(r() * 80) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]!));
  // near and past the 4096-byte limit
  const size = MAX_LINE_BYTES - 8 + Math.floor(r() * 40);
  return Buffer.from(`START | COMMAND=PUB | VARIABLE=big | VALUE=${'x'.repeat(size)} | END`);
}

/** Whether the gateway owes this line an answer: everything but a well-formed HELLO! or CLOSE. */
function answered(line: Buffer): boolean {
  if (line.length > MAX_LINE_BYTES + (line[line.length - 1] === 0x0d ? 1 : 0)) return true;
  const parsed = parseLine(line.toString('utf8'));
  return !(parsed.ok && (parsed.message.command === 'HELLO!' || parsed.message.command === 'CLOSE'));
}

/** Counts OK and BAD lines (SUB and MSG lines a subscription brings are not answers). */
function answerCounter(socket: Socket) {
  let rest = '';
  let count = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  socket.on('data', (chunk) => {
    const parts = (rest + chunk.toString('latin1')).split('\n');
    rest = parts.pop()!;
    for (const p of parts) if (/^START \| COMMAND=(OK|BAD)\b/.test(p)) count++;
    if (waiter && count >= waiter.n) waiter.resolve();
  });
  return {
    get count() {
      return count;
    },
    until(n: number, timeoutMs: number): Promise<void> {
      if (count >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${count} answers of ${n} after ${timeoutMs} ms: the connection hangs`)), timeoutMs);
        waiter = { n, resolve: () => (clearTimeout(timer), resolve()) };
      });
    },
  };
}

describe('gateway fuzz', () => {
  const broker = useBroker({ probe: false });
  let agent: Agent;

  broker.before(async () => {
    const config = nodeDir({ url: broker.url, node: 'gw-fuzz', schemes: {} });
    config.gateway = gatewayConfig({ tcp: { host: '127.0.0.1', port: 0 }, allow: ['fuzz-1', 'fuzz-2'] });
    agent = await startNode(config);
  });

  broker.after(() => agent?.stop());

  for (const [name, seed, count, identify] of [
    ['identified device', 0x5eed01, 70_000, 'fuzz-1'],
    ['device that never sent ID', 0x5eed02, 35_000, undefined],
  ] as const) {
    test(`${count} random and mutated lines from a ${name} each get one OK or BAD, and the connection keeps answering`, async () => {
      const r = rng(seed);
      const socket = connect(gatewayOf(agent).port!, '127.0.0.1');
      await new Promise<void>((resolve, reject) => (socket.once('connect', () => resolve()), socket.once('error', reject)));
      const answers = answerCounter(socket);
      let expected = 0;
      if (identify) {
        socket.write(`START | COMMAND=ID | ID=${identify} | END\n`);
        expected++;
      }
      const BATCH = 500;
      let sent = 0;
      while (sent < count) {
        const lines: Buffer[] = [];
        for (let i = 0; i < BATCH && sent < count; i++, sent++) {
          const line = randomLine(r);
          // An ID, CLOSE or refused ID would end this connection; the fuzz is about what it answers.
          const parsed = parseLine(line.toString('utf8'));
          if (parsed.ok && (parsed.message.command === 'CLOSE' || (parsed.message.command === 'ID' && !identify))) continue;
          if (answered(line)) expected++;
          lines.push(line, Buffer.from('\n'));
        }
        socket.write(Buffer.concat(lines));
        await answers.until(expected, 20_000).catch((err: Error) => assert.fail(`seed ${seed.toString(16)}, after ${sent} lines: ${err.message}`));
      }
      assert.ok(sent >= count);
      assert.equal(answers.count, expected, 'exactly one answer per line that needs one');
      socket.write('START | COMMAND=UNSUBALL | END\n');
      await answers.until(expected + 1, 5_000);
      assert.ok(!socket.destroyed, 'the connection is still up');
      socket.destroy();
    });
  }
});
