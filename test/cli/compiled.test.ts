/**
 * The compiled agent, as `npm start` runs it (bin/hanode.js → the bundle in dist/), with the parts
 * that load on demand: the rules' condition engine, Liquid templates, fastify, and the history's
 * SQLite threads. The other tests run src/ in-process; this one catches what only the bundle does
 * (a CommonJS package imported on demand once gave `Engine is not a constructor` there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { Mosquitto, freePort } from '../helpers/mosquitto.js';
import { Probe } from '../helpers/probe.js';
import { AgentProcess, nodeDir } from '../helpers/agent-process.js';
import { distState } from '../../bin/dist-state.js';

test('the bundled agent runs a rule with a condition and a Liquid payload, records history and answers HTTP', async (t) => {
  assert.equal(distState(), 'fresh', 'npm test builds dist/ first: this test must run the bundle');
  const broker = await Mosquitto.start();
  t.after(() => broker.stop());
  const probe = await Probe.connect(broker.url, ['han/#']);
  t.after(() => probe.close());
  const node = nodeDir({
    node: 'bundle-pi',
    url: broker.url,
    schemes: {
      'io.yaml': `
inputs:
  - { id: button, driver: gpio-in, pin: 2 }
outputs:
  - { id: relay, driver: gpio-out, pin: 12 }
rules:
  - id: follow
    when: { fact: button, path: $.state, operator: equal, value: "ON" }
    then:
      - { set: { output: relay, value: "ON" } }
      - publish: { topic: han/bundle-pi/said, payload: "{{ node | upper }} saw {{ button.state }} at {{ 21.456 | round: 1 }}" }
    else:
      - { set: { output: relay, value: "OFF" } }
`,
    },
  });
  const port = await freePort();
  appendFileSync(node.config, `history: { topics: ["han/bundle-pi/+"] }\nhttp: { port: ${port} }\n`);
  const agent = AgentProcess.spawn(node.config);
  t.after(() => agent.stop());

  await probe.waitFor('han/bundle-pi/status', (p) => p === 'online', 20_000);
  assert.doesNotMatch(agent.output, /through tsx/, 'it ran the compiled code');
  const since = probe.messages.length;
  await probe.publish('han/bundle-pi/$sim/button/set', JSON.stringify({ level: 1 }));
  await probe.waitForState('han/bundle-pi/relay', (s) => s.state === 'ON', 5_000, since);
  assert.equal((await probe.waitFor('han/bundle-pi/said', () => true, 5_000, since)).payload, 'BUNDLE-PI saw ON at 21.5');

  // The HTTP server starts after `online` (README "One controller, a list of services"): until it
  // listens, a refused connection is a reason to ask again, not a failure.
  let records: { topic: string; payload: { state?: string } }[] = [];
  let lastError: unknown;
  for (let i = 0; i < 100 && !records.some((r) => r.payload.state === 'ON'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${port}/api/records?topic=han/bundle-pi/relay&limit=10`);
    } catch (err) {
      lastError = err;
      continue;
    }
    assert.equal(res.status, 200);
    records = ((await res.json()) as { records: typeof records }).records;
  }
  assert.ok(records.length, `no records from the API (last error: ${String(lastError)})`);
  assert.ok(records.some((r) => r.topic === 'han/bundle-pi/relay' && r.payload.state === 'ON'), JSON.stringify(records));
  // The history's threads run code the bundle passes them as source: a wildcard (the topic matcher)
  // and a condition (records written on the query thread) must work there too.
  const wild = await fetch(`http://127.0.0.1:${port}/api/records?topic=han/%2B/relay&field=state&op=eq&value=ON&limit=10`);
  assert.equal(wild.status, 200, await wild.clone().text());
  assert.ok(((await wild.json()) as { records: typeof records }).records.some((r) => r.payload.state === 'ON'));
  assert.ok(!agent.logLines().some((l) => l.level >= 40 && /not a constructor|is not a function/.test(l.msg)), agent.output);
});
