import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTopic, topicsFor } from '../../src/core/topics.js';

test('parseTopic: table of topics as seen by node kitchen under han', () => {
  const table: [string, ReturnType<typeof parseTopic>][] = [
    ['han/kitchen/fan/set', { kind: 'set', id: 'fan' }],
    ['han/kitchen/$request/read', { kind: 'request', op: 'read' }],
    ['han/kitchen/$request/scheme/put', { kind: 'request', op: 'scheme/put' }],
    ['han/kitchen/$request/scheme/put/x', { kind: 'other' }],
    ['han/kitchen/$request/scheme/', { kind: 'other' }],
    ['han/kitchen/$sim/climate/set', { kind: 'sim', id: 'climate' }],
    ['han/kitchen/climate', { kind: 'state', node: 'kitchen', id: 'climate' }],
    ['han/hall/climate', { kind: 'state', node: 'hall', id: 'climate' }],
    ['han/hall/climate/availability', { kind: 'availability', node: 'hall', id: 'climate' }],
    ['han/hall/status', { kind: 'status', node: 'hall' }],
    ['han/hall/$info', { kind: 'info', node: 'hall' }],
    // commands for other nodes are not ours
    ['han/hall/fan/set', { kind: 'other' }],
    ['han/hall/$request/read', { kind: 'other' }],
    ['han/hall/$sim/x/set', { kind: 'other' }],
    // malformed
    ['han/kitchen/Fan/set', { kind: 'other' }],
    ['han/kitchen/status/set', { kind: 'other' }],
    ['han/kitchen/fan/set/extra', { kind: 'other' }],
    ['other/kitchen/fan/set', { kind: 'other' }],
    ['hanx/kitchen/fan/set', { kind: 'other' }],
    ['han/kitchen/$request/', { kind: 'other' }],
    ['han', { kind: 'other' }],
  ];
  for (const [topic, expected] of table) assert.deepEqual(parseTopic('han', 'kitchen', topic), expected, topic);
});

test('parseTopic works with a multi-level base topic', () => {
  assert.deepEqual(parseTopic('home/han', 'pi', 'home/han/pi/fan/set'), { kind: 'set', id: 'fan' });
  assert.deepEqual(parseTopic('home/han', 'pi', 'home/pi/fan/set'), { kind: 'other' });
});

test('topicsFor builds the README "Topics" topics', () => {
  const t = topicsFor('han', 'kitchen-pi');
  assert.equal(t.status, 'han/kitchen-pi/status');
  assert.equal(t.info, 'han/kitchen-pi/$info');
  assert.equal(t.error, 'han/kitchen-pi/$error');
  assert.equal(t.state('fan'), 'han/kitchen-pi/fan');
  assert.equal(t.availability('fan'), 'han/kitchen-pi/fan/availability');
  assert.equal(t.set('fan'), 'han/kitchen-pi/fan/set');
  assert.equal(t.response('health'), 'han/kitchen-pi/$response/health');
  assert.equal(t.sim('fan'), 'han/kitchen-pi/$sim/fan/set');
  assert.equal(t.rule('r1'), 'han/kitchen-pi/$rules/r1');
  for (const topic of [t.state('a'), t.set('a'), t.request('read'), t.sim('a')]) {
    assert.notEqual(parseTopic('han', 'kitchen-pi', topic).kind, 'other', topic);
  }
});
