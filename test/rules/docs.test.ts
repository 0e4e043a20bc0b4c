/**
 * The README's Rules section (and "Secrets in scheme files") as a user copies it: every YAML
 * example is a valid scheme file beside the example schemes; the three examples are the files in
 * schemes/ as they are, and they do what the README says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus } from '../../src/core/bus.js';
import type { Reading } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/log.js';
import { RuleEngine } from '../../src/rules/index.js';
import { loadSchemeTexts, formatProblem, type SchemeText } from '../../src/schemes/loader.js';
import { FakeClock, fakeActions, settle } from './fakes.js';
import { builtins } from '../helpers/drivers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = (from: string, to: string) => readme.slice(readme.indexOf(`\n${from}\n`), readme.indexOf(`\n${to}\n`));
const yamlBlocks = (text: string) => [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

const rulesBlocks = yamlBlocks(section('## Rules', '## Templates'));
const secretsBlocks = yamlBlocks(section('### Secrets in scheme files', '## Rules'));
const EXAMPLES = ['bathroom-fan.yaml', 'stair-light.yaml', 'daily-report.yaml'];
const schemeFiles = readdirSync(join(ROOT, 'schemes')).filter((f) => f.endsWith('.yaml')).sort();
const withoutModeline = (text: string) => text.replace(/^# yaml-language-server: .*\n/, '');

/** The README block shown as `# schemes/NAME`, if any. */
const shownAs = (block: string) => /^# schemes\/([a-z0-9-]+\.yaml)\n/.exec(block)?.[1];

test('the README Rules section has the three examples, each exactly as the file in schemes/', () => {
  assert.deepEqual(rulesBlocks.map(shownAs).filter(Boolean), EXAMPLES);
  for (const block of rulesBlocks) {
    const name = shownAs(block);
    if (name) assert.equal(block.slice(`# schemes/${name}\n`.length), withoutModeline(readFileSync(join(ROOT, 'schemes', name), 'utf8')), name);
  }
});

test('every YAML example in the README Rules and Secrets sections is a valid scheme file beside the example schemes', () => {
  const examples: SchemeText[] = [...rulesBlocks, ...secretsBlocks]
    .filter((block) => !shownAs(block)) // the examples are the files themselves, loaded below
    .map((text, i) => ({ file: `README-example-${i + 1}.yaml`, text }));
  assert.ok(examples.length >= 3, 'the rule, facts and secrets examples');
  const files = schemeFiles.map((f) => ({ file: `schemes/${f}`, text: readFileSync(join(ROOT, 'schemes', f), 'utf8') }));
  const result = loadSchemeTexts([...files, ...examples], builtins, {
    env: { WEATHER_KEY: 'k-123' },
    secrets: { values: { weather_url: 'https://api.example.com/v1/current.json?key=abc' }, label: 'secrets.yaml' },
  });
  assert.deepEqual(result.problems.map(formatProblem), []);
  assert.deepEqual(result.files.filter((f) => !f.ok).map((f) => f.file), []);
});

/** The example schemes' rules, running on a fake clock. */
function examples(start: Date) {
  const texts = schemeFiles.map((f) => ({ file: `schemes/${f}`, text: readFileSync(join(ROOT, 'schemes', f), 'utf8') }));
  const loaded = loadSchemeTexts(texts, builtins);
  const bus = new EventBus(silentLogger);
  const clock = new FakeClock(start);
  const actions = fakeActions();
  const engine = new RuleEngine({ rules: loaded.rules, node: 'kitchen-pi', base: 'han', bus, log: silentLogger, actions, clock });
  const state = (id: string, reading: Reading) => bus.emit('state', { id, direction: 'input', state: reading, ts: clock.now() });
  return { engine, clock, actions, state };
}

test('example bathroom-fan: on after a minute above 70 %RH, off only below 60 %RH', async (t) => {
  const { engine, clock, actions, state } = examples(new Date(2026, 5, 1, 12, 0));
  await engine.start();
  t.after(() => engine.stop());
  const fan = () => actions.calls.set.filter(([o]) => o === 'bathroom-fan').map(([, v]) => v);
  state('bathroom-humidity', { humidity: 75, temperature: 22 });
  await clock.advance(59_000);
  assert.deepEqual(fan(), []);
  await clock.advance(1_000);
  assert.deepEqual(fan(), ['ON']);
  state('bathroom-humidity', { humidity: 65, temperature: 22 });
  await settle();
  assert.deepEqual(fan(), ['ON'], 'between 60 and 70 it stays on');
  state('bathroom-humidity', { humidity: 58, temperature: 22 });
  await settle();
  assert.deepEqual(fan(), ['ON', 'OFF']);
  state('bathroom-humidity', { humidity: 65, temperature: 22 });
  await clock.advance(120_000);
  assert.deepEqual(fan(), ['ON', 'OFF'], 'and it stays off');
});

test('example stair-light: ON for 2 minutes at each movement', async (t) => {
  const { engine, actions, state } = examples(new Date(2026, 5, 1, 21, 0));
  await engine.start();
  t.after(() => engine.stop());
  for (const s of ['ON', 'OFF', 'ON']) {
    state('hall-motion', { state: s });
    await settle();
  }
  assert.deepEqual(
    actions.calls.set.filter(([o]) => o === 'stair-light'),
    [['stair-light', { state: 'ON', for: '2m' }], ['stair-light', { state: 'ON', for: '2m' }]],
  );
});

test('example daily-report: at 08:00, the values through their filters, as the README shows', async (t) => {
  const { engine, clock, actions, state } = examples(new Date(2026, 5, 1, 7, 59, 30));
  await engine.start();
  t.after(() => engine.stop());
  state('pi-health', { cpu_temp: 48.27, load1: 0.2, mem_used_pct: 31, disk_used_pct: 37.4, uptime: 1000 });
  await clock.advance(30_000);
  const sent = actions.calls.publish.filter(([topic]) => topic === 'han/reports/daily');
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]![2], { retain: true, qos: 1 });
  const shown = /the report is\n`(\{.*\})`/.exec(section('### Examples', '## Templates'))?.[1];
  assert.ok(shown, 'the README shows the report');
  assert.deepEqual(JSON.parse(sent[0]![1]), JSON.parse(shown));
});
