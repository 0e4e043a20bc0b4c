/** `$request/interval` holds the interval to the same bounds as a scheme's `interval:`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runOperation } from '../../src/agent/requests.js';
import type { RequestContext } from '../../src/agent/requests.js';

function fakeAgent() {
  const set: [string, number][] = [];
  const agent = { schemes: { setInterval: (id: string, ms: number) => void set.push([id, ms]) } } as unknown as RequestContext;
  return { agent, set };
}

test('$request/interval refuses durations outside 10ms..168h, naming the bound', async () => {
  const { agent, set } = fakeAgent();
  const cases: [unknown, RegExp][] = [
    [1e308, /at most 168h \(7 days\), got 1e\+308/],
    ['600h', /at most 168h \(7 days\), got "600h"/],
    [0, /at least 10ms, got 0/],
    [-1, /expected a duration such as 500ms, 30s, 5m or 1h, got -1/],
    ['soon', /expected a duration such as .*, got "soon"/],
    [{ deep: [1] }, /expected a duration such as .*, got object/],
    [undefined, /got nothing/],
  ];
  for (const [interval, error] of cases) {
    await assert.rejects(runOperation(agent, 'interval', { id: 'climate', interval }), (err: Error) => {
      assert.match(err.message, /^interval: /, String(interval));
      assert.match(err.message, error, String(interval));
      return true;
    });
  }
  assert.deepEqual(set, []);
  assert.deepEqual(await runOperation(agent, 'interval', { id: 'climate', interval: '168h' }), { id: 'climate', interval: 604_800_000 });
  assert.deepEqual(set, [['climate', 604_800_000]]);
});
