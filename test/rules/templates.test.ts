// Rule `publish` payloads are Liquid templates (README "Rules", "Templates"): each filter, the
// facts they see, where a bad one is reported, and the limits at their bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type Events } from '../../src/core/bus.js';
import type { Reading } from '../../src/core/driver.js';
import { silentLogger } from '../../src/core/log.js';
import { RuleEngine } from '../../src/rules/index.js';
import { loadSchemeTexts, formatProblem } from '../../src/schemes/loader.js';
import { compileTemplate, TemplateError } from '../../src/core/template.js';
import { MAX_TEMPLATE_CHARS, MAX_TEMPLATE_OUTPUT_CHARS } from '../../src/core/limits.js';
import { FakeClock, fakeActions, loadRule, settle } from './fakes.js';
import { builtins } from '../helpers/drivers.js';

function setup(rules: Record<string, unknown>[]) {
  const bus = new EventBus(silentLogger);
  const clock = new FakeClock(Date.UTC(2026, 5, 1, 7, 30));
  const actions = fakeActions();
  const errors: Events['error'][] = [];
  bus.on('error', errors, (e) => void errors.push(e));
  const engine = new RuleEngine({ rules: rules.map((r, i) => loadRule(r, i + 1)), node: 'hall-pi', base: 'han', bus, log: silentLogger, actions, clock });
  const state = (id: string, reading: Reading) => bus.emit('state', { id, direction: 'input', state: reading, ts: clock.now() });
  const published = (topic: string) => actions.calls.publish.filter(([t]) => t === topic).map(([, p]) => p);
  return { clock, actions, errors, engine, state, published };
}

test('publish payload templates: each filter (round, fixed, default, upper, date) on the facts', async (t) => {
  const { clock, engine, state, published } = setup([
    {
      id: 'report',
      every: '1m',
      then: [
        { publish: { topic: 'home/round', payload: '{{ kitchen-climate.temperature | round: 1 }}' } },
        { publish: { topic: 'home/fixed', payload: '{{ kitchen-climate.humidity | fixed: 2 }}' } },
        { publish: { topic: 'home/default', payload: '{{ attic.temperature | default: "no reading" }}' } },
        { publish: { topic: 'home/upper', payload: '{{ door.state | upper }}' } },
        { publish: { topic: 'home/date', payload: '{{ now | date: "%Y-%m-%d %H:%M" }}' } },
        { publish: { topic: 'home/json', payload: { t: '{{ kitchen-climate.temperature }}', text: 'rule {{ rule.id }} on {{ node }}' } } },
        { publish: { topic: 'home/ts', payload: '{{ door.ts }}' } },
      ],
    },
  ]);
  await engine.start();
  t.after(() => engine.stop());
  state('kitchen-climate', { temperature: 21.46, humidity: 40 });
  state('door', { state: 'open' });
  await clock.advance(60_000);
  assert.deepEqual(published('home/round'), ['21.5']);
  assert.deepEqual(published('home/fixed'), ['40.00']);
  assert.deepEqual(published('home/default'), ['no reading']);
  assert.deepEqual(published('home/upper'), ['OPEN']);
  assert.deepEqual(published('home/date'), ['2026-06-01 07:31']);
  assert.deepEqual(published('home/json').map((p) => JSON.parse(p)), [{ t: 21.46, text: 'rule report on hall-pi' }], 'a lone tag keeps the number');
  // A state no condition reads still carries the time it was taken.
  assert.deepEqual(published('home/ts'), ['2026-06-01T07:30:00.000Z']);
});

test('publish payload templates: a bad one is refused when the file is read, at its line and column', () => {
  const text = [
    'rules:',
    '  - id: report',
    '    every: 1m',
    '    then:',
    '      - publish: { topic: home/a, payload: "{{ kitchen-climate.temperature | rond: 1 }}" }',
    '      - publish: { topic: home/b, payload: { text: "{% if x %}open" } }',
    '',
  ].join('\n');
  const problems = loadSchemeTexts([{ file: 'report.yaml', text }], builtins).problems.map(formatProblem);
  assert.deepEqual(problems, [
    'report.yaml:5:44: template line 1, col 1: undefined filter: rond',
    'report.yaml:6:52: template line 1, col 1: tag {% if x %} not closed',
  ]);
});

test('publish payload templates: a template that fails when it runs goes to $error with the rule file position; the other actions run', async (t) => {
  const { clock, engine, published, errors } = setup([
    {
      id: 'loop',
      every: '1m',
      then: [
        { publish: { topic: 'home/big', payload: '{% for i in (1..100000000) %}x{% endfor %}' } },
        { publish: { topic: 'home/next', payload: 'still sent' } },
      ],
    },
  ]);
  await engine.start();
  t.after(() => engine.stop());
  await clock.advance(60_000);
  await settle();
  assert.deepEqual(published('home/big'), []);
  assert.deepEqual(published('home/next'), ['still sent']);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.topic, 'han/hall-pi/$rules/loop');
  assert.match(errors[0]!.error, /^loop \(schemes\/rules\.yaml:1:5\): publish home\/big: template line 1, col 1: rendering needs too much memory/);
});

test('templates: the length and output limits at their bound', () => {
  const atLimit = 'x'.repeat(MAX_TEMPLATE_CHARS - '{{ a }}'.length) + '{{ a }}';
  assert.equal(compileTemplate(atLimit).render({ a: 1 }).length, MAX_TEMPLATE_CHARS - '{{ a }}'.length + 1);
  assert.throws(() => compileTemplate(atLimit + 'y'), (e: Error) => e instanceof TemplateError && e.message === `template of ${MAX_TEMPLATE_CHARS + 1} characters is over the limit of ${MAX_TEMPLATE_CHARS}`);

  const t = compileTemplate('{{ s }}');
  assert.equal(t.render({ s: 'y'.repeat(MAX_TEMPLATE_OUTPUT_CHARS) }).length, MAX_TEMPLATE_OUTPUT_CHARS);
  assert.throws(
    () => t.render({ s: 'y'.repeat(MAX_TEMPLATE_OUTPUT_CHARS + 1) }),
    (e: Error) => e instanceof TemplateError && e.message === `template output of ${MAX_TEMPLATE_OUTPUT_CHARS + 1} characters is over the limit of ${MAX_TEMPLATE_OUTPUT_CHARS}`,
  );
});

test('templates: parsed once and kept', () => {
  const source = '{{ a | upper }} cached';
  assert.equal(compileTemplate(source), compileTemplate(source));
});
