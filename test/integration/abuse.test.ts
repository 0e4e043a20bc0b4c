/**
 * A hostile sender against the whole agent (`hanode run` as a child process, sim hardware, a
 * private Mosquitto): oversized payloads to every output type, out-of-bounds durations through
 * every path that takes one, garbage to every `$request` operation and a scheme file full of bad
 * durations. Throughout, another output keeps answering its `/set` (its state arrives while the
 * abuse is in flight), no output goes offline over a bad command, and the agent never exits.
 * How fast it answers is bench material: the waits here are generous on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { useBroker } from '../helpers/broker-fixture.js';
import { AgentProcess, killAllAgents, nodeDir } from '../helpers/agent-process.js';

const N = 'abuse-pi';
const T = (s: string) => `han/${N}/${s}`;
/** Long enough for a loaded 2-core machine; the point is that it arrives at all. */
const PATIENCE = 30_000;

const broker = useBroker({ probe: [T('+'), T('+/availability'), T('$response/+')] });
let agent: AgentProcess;
let webhook: Server;
let schemesDir: string;
const hits: string[] = [];

/** One scheme per output type, plus the canary that must keep answering. */
const OUTPUTS = ['relay', 'expander', 'lamp', 'flap', 'oled', 'lcd', 'runner', 'hook', 'mail'];

broker.before(async () => {
  webhook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push(req.url ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', () => r()));
  const port = (webhook.address() as { port: number }).port;
  const dir = nodeDir({
    node: N,
    url: broker.url,
    log_level: 'warn',
    schemes: {
      'node.yaml': [
        'inputs:',
        '  - { id: climate, driver: bme280, interval: 2s }',
        'outputs:',
        '  - { id: canary, driver: gpio-out, pin: 5 }',
        '  - { id: relay, driver: gpio-out, pin: 6 }',
        '  - { id: expander, driver: pcf8574-out, address: 0x20, pin: 0 }',
        '  - { id: lamp, driver: pwm, chip: 0, channel: 0 }',
        '  - { id: flap, driver: servo, chip: 0, channel: 1 }',
        '  - { id: oled, driver: ssd1306, address: 0x3c }',
        '  - { id: lcd, driver: hd44780, address: 0x27, columns: 16, rows: 2 }',
        '  - { id: runner, driver: command, argv: [/bin/true, "{n}"], args: { n: { type: integer, min: 0, max: 100 } } }',
        `  - { id: hook, driver: http, url: "http://127.0.0.1:${port}/hook", headers: { X-Note: "{{text}}" }, body: "{{text}}", timeout: 2s, retries: 0 }`,
        '  - { id: mail, driver: email, host: 127.0.0.1, port: 1, from: pi@example.test, to: me@example.test, timeout: 1s }',
      ].join('\n'),
    },
  });
  schemesDir = join(dir.dir, 'schemes');
  agent = AgentProcess.spawn(dir.config);
  await broker.probe.waitFor(T('status'), (p) => p === 'online', PATIENCE);
  await broker.probe.waitForState(T('canary'), () => true, PATIENCE);
});

broker.after(async () => {
  await agent?.stop();
  killAllAgents();
  await new Promise((r) => webhook?.close(r));
});

let canaryState = 'OFF';
/** Toggles the canary and resolves once its new state is published. */
async function canaryAnswers(): Promise<void> {
  const since = broker.probe.mark();
  canaryState = canaryState === 'ON' ? 'OFF' : 'ON';
  await broker.probe.publish(T('canary/set'), canaryState);
  await broker.probe.waitForState(T('canary'), (s) => s.state === canaryState, PATIENCE, since);
}

/** Runs `abuse` and, while it is in flight, checks that the canary still answers. */
async function whileAbusing(abuse: () => Promise<void>): Promise<void> {
  const inFlight = abuse();
  await canaryAnswers();
  await inFlight;
  await canaryAnswers();
  assert.equal(agent.proc.exitCode, null, `the agent exited:\n${agent.output.slice(-2_000)}`);
  assert.equal(agent.proc.signalCode, null, `the agent was killed:\n${agent.output.slice(-2_000)}`);
}

const errorsFor = (topic: string, since: number) =>
  broker.probe.on(T('$error')).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload) as { topic: string; error: string }).filter((e) => e.topic === topic);

async function errorFor(topic: string, since: number, match: RegExp): Promise<void> {
  await broker.probe.waitFor(T('$error'), (p) => {
    const e = JSON.parse(p);
    return e.topic === topic && match.test(e.error);
  }, PATIENCE, since);
}

for (const size of [1024 * 1024, 10 * 1024 * 1024]) {
  test(`${size / (1024 * 1024)} MB to every output type is refused on $error naming the topic and the limit`, async () => {
    const since = broker.probe.mark();
    await whileAbusing(async () => {
      const payload = Buffer.alloc(size, 'x');
      for (const id of OUTPUTS) await broker.probe.client.publishAsync(T(`${id}/set`), payload, { qos: 1 });
    });
    for (const id of OUTPUTS) await errorFor(T(`${id}/set`), since, new RegExp(`payload of ${size} bytes is over the limit of 64 KiB`));
  });
}

test('durations 0, -1, 1e308 and "600h" in `for`, on every output, are refused or done, never an instant revert', async () => {
  const since = broker.probe.mark();
  const holds: unknown[] = [0, -1, 1e308, '600h', '1e308', 'soon'];
  await whileAbusing(async () => {
    for (const id of OUTPUTS) {
      for (const hold of holds) await broker.probe.publish(T(`${id}/set`), JSON.stringify({ state: 'ON', for: hold }));
    }
  });
  for (const id of ['relay', 'expander', 'lamp', 'oled', 'lcd']) {
    await errorFor(T(`${id}/set`), since, /for: expected a duration of at most 168h \(7 days\), got 1e\+308/);
    await errorFor(T(`${id}/set`), since, /for: expected a duration of at most 168h \(7 days\), got "600h"/);
  }
  // `for: 0` is a valid (if odd) hold: ON, then straight back. The relay ends OFF and stays so.
  const relay = await broker.probe.waitForState(T('relay'), (s) => s.state === 'OFF', PATIENCE, since);
  assert.equal(relay.state, 'OFF');
});

test('durations 0, -1, 1e308 and "600h" to $request/interval are refused, naming the bound; a good one is taken', async () => {
  const replies: Record<string, unknown>[] = [];
  await whileAbusing(async () => {
    for (const interval of [0, -1, 1e308, '600h', '1e308', 'NaN', null, [], { a: 1 }]) {
      const transaction = `iv-${JSON.stringify(interval)}`;
      const since = broker.probe.mark();
      await broker.probe.publish(T('$request/interval'), JSON.stringify({ id: 'climate', interval, transaction }));
      const m = await broker.probe.waitFor(T('$response/interval'), (p) => JSON.parse(p).transaction === transaction, PATIENCE, since);
      replies.push(JSON.parse(m.payload));
    }
  });
  assert.ok(replies.every((r) => r.status === 'error'), JSON.stringify(replies));
  assert.match(String(replies[2]!.error), /at most 168h \(7 days\), got 1e\+308/);
  assert.match(String(replies[3]!.error), /at most 168h \(7 days\), got "600h"/);
  assert.match(String(replies[0]!.error), /at least 10ms, got 0/);
  const since = broker.probe.mark();
  await broker.probe.publish(T('$request/interval'), JSON.stringify({ id: 'climate', interval: '1s', transaction: 'good' }));
  const ok = await broker.probe.waitFor(T('$response/interval'), (p) => JSON.parse(p).transaction === 'good', PATIENCE, since);
  assert.deepEqual(JSON.parse(ok.payload).data, { id: 'climate', interval: 1_000 });
});

test('a scheme file full of bad durations is refused at its lines on $error; everything else keeps running', async () => {
  const since = broker.probe.mark();
  await whileAbusing(async () => {
    writeFileSync(
      join(schemesDir, 'durations.yaml'),
      [
        'inputs:',
        '  - { id: slow, driver: system, interval: 600h }',
        '  - { id: flood, driver: system, interval: 1e308, filters: [ { throttle: -1 }, { heartbeat: 0 } ] }',
        'rules:',
        '  - { id: late, when: { fact: slow, path: cpu_temp, greaterThan: 1 }, for: 1e308, then: [ { set: { output: canary, state: "ON" } } ] }',
        '  - { id: often, every: "600h", then: [ { set: { output: canary, state: "ON" } } ] }',
      ].join('\n'),
    );
    await broker.probe.publish(T('$request/reload'), '{}');
  });
  const fileErrors = (match: RegExp) =>
    broker.probe.waitFor(T('$error'), (p) => {
      const e = JSON.parse(p);
      return String(e.topic).endsWith('durations.yaml') && match.test(e.error);
    }, PATIENCE, since);
  await fileErrors(/durations\.yaml:2:\d+: expected a duration of at most 168h \(7 days\), got "600h"/);
  await fileErrors(/durations\.yaml:3:\d+: expected a duration of at most 168h \(7 days\), got 1e\+308/);
  const schemes = await askSchemes();
  assert.ok(!schemes.includes('slow') && !schemes.includes('flood'), `loaded: ${schemes}`);
  assert.ok(schemes.includes('canary') && schemes.includes('climate'), `loaded: ${schemes}`);
});

async function askSchemes(): Promise<string[]> {
  const since = broker.probe.mark();
  await broker.probe.publish(T('$request/schemes'), JSON.stringify({ transaction: 'list' }));
  const m = await broker.probe.waitFor(T('$response/schemes'), (p) => JSON.parse(p).transaction === 'list', PATIENCE, since);
  return JSON.parse(m.payload).data.schemes.map((s: { id: string }) => s.id);
}

test('garbage to every $request operation gets an error reply, never a crash', async () => {
  const ops = ['read', 'schemes', 'health', 'scan', 'enable', 'disable', 'rules', 'interval', 'reload', 'no-such-op'];
  const deep = '['.repeat(20_000) + ']'.repeat(20_000);
  const garbage: (string | Buffer)[] = [
    'not json',
    '{"id":',
    'null',
    '[]',
    '"text"',
    '1e308',
    JSON.stringify({ id: 5 }),
    JSON.stringify({ id: ['climate'] }),
    JSON.stringify({ id: { $gt: '' } }),
    JSON.stringify({ id: 'x'.repeat(60_000) }),
    `{"id":${deep}}`,
    `{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
    Buffer.alloc(1024 * 1024, '{'),
    Buffer.from([0xff, 0xfe, 0x00, 0x01]),
  ];
  const since = broker.probe.mark();
  await whileAbusing(async () => {
    for (const op of ops) for (const g of garbage) await broker.probe.client.publishAsync(T(`$request/${op}`), g, { qos: 1 });
  });
  // Every request is answered (many with an error), however bad it was.
  for (const op of ops) {
    const answered = () => broker.probe.on(T(`$response/${op}`)).filter((m) => m.seq >= since).length;
    for (let waited = 0; answered() < garbage.length && waited < PATIENCE; waited += 100) await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered(), garbage.length, `${op}: ${answered()} of ${garbage.length} answered`);
    const replies = broker.probe.on(T(`$response/${op}`)).filter((m) => m.seq >= since).map((m) => JSON.parse(m.payload));
    assert.ok(replies.every((r) => r.status === 'ok' || (r.status === 'error' && typeof r.error === 'string' && r.error.length <= 500)), `${op}: ${JSON.stringify(replies.map((r) => [r.status, String(r.error).length, String(r.error).slice(0, 100)]))}`);
  }
  assert.ok(errorsFor(T('$request/read'), since).some((e) => /over the limit of 64 KiB/.test(e.error)));
});

test('bad commands of every kind to every output never take an output offline', async () => {
  const since = broker.probe.mark();
  const bad: string[] = [
    'not a command at all',
    '{"state":"SIDEWAYS"}',
    '{"value":"abc"}',
    '{"angle":1e308}',
    '{"brightness":-5}',
    '{"text":"a\\r\\nX-Injected: 1"}',
    '{"subject":"a\\r\\nBcc: x@example.test","text":"hi"}',
    '{"n":"$(reboot)"}',
    '{"lines":["a","b","c","d","e"]}',
    JSON.stringify({ text: 'y'.repeat(60_000) }),
    '{"clear":"yes"}',
    '[1,2,3]',
    '{}',
  ];
  await whileAbusing(async () => {
    for (const id of OUTPUTS) for (const b of bad) await broker.probe.publish(T(`${id}/set`), b);
  });
  // Every refusal names its topic; wait until each output has answered the last one.
  for (const id of OUTPUTS) {
    await broker.probe.waitFor(T('$error'), (p) => JSON.parse(p).topic === T(`${id}/set`), PATIENCE, since);
  }
  await canaryAnswers();
  const offline = OUTPUTS.flatMap((id) => broker.probe.on(T(`${id}/availability`)).filter((m) => m.seq >= since && m.payload === 'offline').map(() => id));
  assert.deepEqual(offline, [], 'an output went offline over a bad command');
  assert.ok(hits.every((u) => u === '/hook'), 'the webhook only ever got its own path');
});
