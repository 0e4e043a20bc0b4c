/**
 * Discovery configs as a pure function: every config of the example schemes follows the rules,
 * the same schemes give the same configs (stable unique ids), and fields map to components by
 * type, unit and what the output's command schema takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { DriverRegistry } from '../../src/core/registry.js';
import { defineInput, defineOutput, type FieldDef } from '../../src/core/driver.js';
import { topicsFor } from '../../src/core/topics.js';
import { loadSchemeDir } from '../../src/schemes/loader.js';
import { driverOverrides, nodeConfigs, schemeConfigs, NODE_ENTITIES, type DiscoveredScheme } from '../../src/discovery/index.js';
import { allProblems } from './rules.js';
import { builtins } from '../helpers/drivers.js';

const SCHEMES = fileURLToPath(new URL('../../schemes', import.meta.url));
const node = { version: '9.9.9', model: 'Raspberry Pi 4 Model B Rev 1.5' };
const expect = { base: 'han', node: 'kitchen-pi', version: '9.9.9' };

async function exampleConfigs(registry = builtins) {
  const loaded = await loadSchemeDir(SCHEMES, registry);
  assert.deepEqual(loaded.problems, []);
  const schemes: DiscoveredScheme[] = [...loaded.inputs, ...loaded.outputs];
  return nodeConfigs(schemes, { prefix: 'homeassistant', topics: topicsFor('han', 'kitchen-pi'), registry, node });
}

test('every config of the example schemes follows the discovery rules', async () => {
  const configs = await exampleConfigs();
  assert.deepEqual(allProblems(configs, expect), []);
  const byTopic = Object.fromEntries(configs.map((c) => [c.topic.replace('homeassistant/', ''), c.config]));
  // One entity per field of every scheme (a pwm's brightness is part of its light), plus the node's own.
  const registry = builtins;
  const loaded = await loadSchemeDir(SCHEMES, registry);
  const fields = [...loaded.inputs, ...loaded.outputs].flatMap((s) =>
    (s.direction === 'input' ? registry.inputs : registry.outputs)[s.driver]!.fields
      .filter((f) => s.driver !== 'pwm' || f.name !== 'brightness')
      .filter((f) => !Array.isArray(s.options.pins) || !s.driver.endsWith('-in') || (s.options.pins as number[]).includes(Number(f.name.slice(1))))
      .map((f) => `${s.id}_${f.name}`),
  );
  const schemeConfigs = configs.filter((c) => c.scheme !== NODE_ENTITIES);
  assert.deepEqual(schemeConfigs.map((c) => `${c.scheme}_${c.field}`).filter((f) => !f.endsWith('_event')).sort(), fields.sort());
  assert.deepEqual(configs.filter((c) => c.scheme === NODE_ENTITIES).map((c) => `${c.component}:${c.field}`).sort(), [
    'binary_sensor:connectivity',
    'button:restart',
    'sensor:outbox_backlog',
    'sensor:outbox_dropped',
    'sensor:version',
  ]);
  // The examples this test was written against, each in the component its field calls for
  // (more examples may come; these must stay as they are).
  const known = [
    'binary_sensor/kitchen-pi/hall-motion_state/config',
    'sensor/kitchen-pi/kitchen-climate_humidity/config',
    'sensor/kitchen-pi/kitchen-climate_pressure/config',
    'sensor/kitchen-pi/kitchen-climate_temperature/config',
    'sensor/kitchen-pi/pi-health_cpu_temp/config',
    'sensor/kitchen-pi/pi-health_disk_used_pct/config',
    'sensor/kitchen-pi/pi-health_load1/config',
    'sensor/kitchen-pi/pi-health_mem_used_pct/config',
    'sensor/kitchen-pi/pi-health_uptime/config',
    'sensor/kitchen-pi/soil-moisture_raw/config',
    'sensor/kitchen-pi/soil-moisture_voltage/config',
    'sensor/kitchen-pi/water-tank_temperature/config',
    'switch/kitchen-pi/kitchen-fan_state/config',
  ];
  for (const topic of known) assert.ok(byTopic[topic], `${topic} is published`);
  const temperature = byTopic['sensor/kitchen-pi/kitchen-climate_temperature/config']!;
  assert.equal(temperature.unique_id, 'hanode_kitchen-pi_kitchen-climate_temperature');
  assert.equal(temperature.object_id, 'kitchen_pi_kitchen_climate_temperature');
  assert.equal(temperature.default_entity_id, 'sensor.kitchen_pi_kitchen_climate_temperature');
  assert.equal(temperature.name, 'Kitchen climate temperature');
  assert.equal(temperature.value_template, '{{ value_json.temperature }}');
  assert.deepEqual([temperature.device_class, temperature.unit_of_measurement, temperature.state_class], ['temperature', '°C', 'measurement']);
  assert.deepEqual(temperature.device, {
    identifiers: ['hanode_kitchen-pi'],
    name: 'kitchen-pi',
    model: 'Raspberry Pi 4 Model B Rev 1.5',
    manufacturer: 'hanode',
    sw_version: '9.9.9',
  });
  assert.deepEqual(temperature.origin, { name: 'hanode', sw_version: '9.9.9' });
  // Home Assistant's humidity class takes '%', not the contract's '%RH'.
  assert.equal(byTopic['sensor/kitchen-pi/kitchen-climate_humidity/config']!.unit_of_measurement, '%');
  assert.equal(byTopic['sensor/kitchen-pi/kitchen-climate_pressure/config']!.device_class, 'atmospheric_pressure');

  const fan = byTopic['switch/kitchen-pi/kitchen-fan_state/config']!;
  assert.equal(fan.name, 'Kitchen fan');
  assert.equal(fan.command_topic, 'han/kitchen-pi/kitchen-fan/set');
  assert.equal(fan.command_template, undefined, 'gpio-out takes plain ON/OFF');
  assert.deepEqual([fan.payload_on, fan.payload_off, fan.state_on, fan.state_off], ['ON', 'OFF', 'ON', 'OFF']);

  const motion = byTopic['binary_sensor/kitchen-pi/hall-motion_state/config']!;
  assert.equal(motion.command_topic, undefined);
  assert.equal(motion.value_template, '{{ value_json.state }}');

  const health = byTopic['sensor/kitchen-pi/pi-health_uptime/config']!;
  assert.equal(health.entity_category, 'diagnostic');
  assert.equal(health.device_class, 'duration');
  assert.equal(byTopic['sensor/kitchen-pi/pi-health_load1/config']!.unit_of_measurement, undefined);
});

test('the same schemes give the same configs on every build, so unique ids are stable', async () => {
  const first = await exampleConfigs();
  const second = await exampleConfigs();
  assert.deepEqual(second, first);
  assert.equal(new Set(first.map((c) => c.config.unique_id)).size, first.length);
});

test('the discovery prefix and the base topic are honoured', () => {
  const registry = builtins;
  const [c] = schemeConfigs(
    { id: 'tank', driver: 'ds18b20', direction: 'input', options: {} },
    { prefix: 'ha', topics: topicsFor('home', 'shed'), registry, node: { version: '1.0.0', url: 'https://example.org/hanode' } },
  );
  assert.equal(c?.topic, 'ha/sensor/shed/tank_temperature/config');
  assert.equal(c?.config.state_topic, 'home/shed/tank');
  assert.equal(c?.config.name, 'tank', 'no display name: the id');
  assert.deepEqual(c?.config.origin, { name: 'hanode', sw_version: '1.0.0', support_url: 'https://example.org/hanode' });
  assert.equal((c?.config.device as any).model, 'hanode node');
  assert.deepEqual(allProblems([c!], { base: 'home', node: 'shed', version: '1.0.0', prefix: 'ha' }), []);
});

test('a scheme whose driver the registry lacks has no entities', () => {
  const configs = schemeConfigs(
    { id: 'x', driver: 'not-here', direction: 'input', options: {} },
    { prefix: 'homeassistant', topics: topicsFor('han', 'n'), registry: builtins, node },
  );
  assert.deepEqual(configs, []);
});

// Stand-ins shaped like the drivers being written beside this one, so the mapping is tested on
// its own: only names, fields and command schemas matter here.
const never = (): never => {
  throw new Error('not run');
};
const onOff = z.enum(['ON', 'OFF', 'TOGGLE']);
function output(name: string, fields: FieldDef[], command: z.ZodType) {
  return defineOutput({ name, description: name, bus: 'gpio', direction: 'output', schema: z.object({}), command, fields, example: {}, create: never });
}
function input(name: string, fields: FieldDef[]) {
  return defineInput({ name, description: name, bus: 'gpio', direction: 'input', polled: false, schema: z.object({}), fields, example: {}, create: never });
}

function mappingRegistry(): DriverRegistry {
  const registry = builtins.copy();
  registry.add(output(
    'dimmer',
    [
      { name: 'state', type: 'state', description: 'on' },
      { name: 'brightness', type: 'number', unit: '%', description: 'brightness' },
    ],
    z.strictObject({ state: onOff.optional(), brightness: z.number().min(0).max(100).optional(), value: z.number().optional() }),
  ));
  registry.add(output(
    'servo',
    [{ name: 'angle', type: 'number', unit: '°', description: 'angle' }],
    z.strictObject({ angle: z.number().optional(), value: z.number().optional() }),
  ));
  // Free arguments by name: no field of it is a control.
  registry.add(output(
    'runner',
    [
      { name: 'result', type: 'string', description: 'ok or failed' },
      { name: 'exit_code', type: 'integer', description: 'exit code' },
    ],
    z.record(z.string(), z.union([z.string(), z.number()])),
  ));
  // Takes text, but its fields are results.
  registry.add(output(
    'mailer',
    [
      { name: 'subject', type: 'string', description: 'last subject' },
      { name: 'accepted', type: 'integer', description: 'recipients' },
    ],
    z.strictObject({ text: z.string().optional(), value: z.number().optional(), subject: z.string().optional() }).refine((c) => c.text !== undefined || c.value !== undefined),
  ));
  registry.add(output(
    'panel',
    [
      { name: 'state', type: 'state', description: 'lit' },
      { name: 'text', type: 'string', description: 'shown' },
      { name: 'template', type: 'string', description: 'as sent' },
      { name: 'contrast', type: 'integer', description: 'contrast' },
      { name: 'backlight', type: 'state', description: 'backlight' },
    ],
    z.strictObject({ state: onOff.optional(), text: z.string().optional(), contrast: z.number().int().min(0).max(255).optional(), backlight: onOff.optional() }),
  ));
  registry.add(output('gauge', [{ name: 'level', type: 'number', unit: 'V', description: 'set level' }], z.strictObject({ level: z.number() })));
  registry.add(output('locked', [{ name: 'state', type: 'state', description: 'read only' }], z.strictObject({ reset: z.literal(true) })));
  registry.add(input('button', [{ name: 'state', type: 'state', description: 'pressed' }]));
  registry.add(input('meter', [
    { name: 'pulse_count', type: 'integer', description: 'pulses' },
    { name: 'pulses_total', type: 'integer', description: 'all pulses' },
    { name: 'energy', type: 'number', unit: 'kWh', description: 'energy', deviceClass: 'energy' },
    { name: 'leak', type: 'boolean', description: 'leak', deviceClass: 'moisture' },
    { name: 'mood', type: 'string', description: 'text', deviceClass: 'not-a-class' },
    { name: 'lux', type: 'number', unit: 'lx', description: 'light', deviceClass: 'not-a-class' },
  ]));
  return registry;
}

function configsOf(driver: string, direction: 'input' | 'output', options: Record<string, unknown> = {}) {
  const configs = schemeConfigs(
    { id: 'thing', driver, direction, options: { name: 'Thing', ...options } },
    { prefix: 'homeassistant', topics: topicsFor('han', 'kitchen-pi'), registry: mappingRegistry(), node },
  );
  assert.deepEqual(allProblems(configs, expect), []);
  return Object.fromEntries(configs.map((c) => [`${c.component}:${c.field}`, c.config]));
}

test('an output state field is a switch; a numeric one a number, with a JSON command when the driver takes its name', () => {
  const c = configsOf('dimmer', 'output');
  assert.deepEqual(Object.keys(c), ['switch:state', 'number:brightness']);
  assert.equal(c['switch:state']!.name, 'Thing state');
  const b = c['number:brightness']!;
  assert.deepEqual([b.min, b.max, b.step, b.mode, b.unit_of_measurement], [0, 100, 1, 'slider', '%']);
  assert.equal(b.command_template, '{"brightness": {{ value }}}');
  assert.equal(b.command_topic, 'han/kitchen-pi/thing/set');
});

test('a servo angle is a number over the scheme\'s own range', () => {
  const c = configsOf('servo', 'output', { min_angle: 20, max_angle: 160 });
  assert.deepEqual(Object.keys(c), ['number:angle']);
  const a = c['number:angle']!;
  assert.deepEqual([a.min, a.max, a.command_template, a.name], [20, 160, '{"angle": {{ value }}}', 'Thing']);
  assert.deepEqual([configsOf('servo', 'output')['number:angle']!.min, configsOf('servo', 'output')['number:angle']!.max], [0, 180]);
});

test('a display: text to edit, what it reports read-only, its settings as controls', () => {
  const c = configsOf('panel', 'output');
  assert.deepEqual(Object.keys(c), ['switch:state', 'text:text', 'sensor:template', 'number:contrast', 'switch:backlight']);
  assert.equal(c['text:text']!.command_template, '{"text": {{ value | to_json }}}');
  assert.equal(c['text:text']!.value_template, '{{ value_json.text }}');
  assert.equal(c['sensor:template']!.command_topic, undefined);
  assert.equal(c['sensor:template']!.state_class, undefined, 'text is not a measurement');
  assert.equal(c['number:contrast']!.command_template, '{"contrast": {{ value }}}');
  // The range comes from the command schema when no table entry or unit gives one.
  assert.deepEqual([c['number:contrast']!.min, c['number:contrast']!.max, c['number:contrast']!.step], [0, 255, 1]);
  assert.equal(c['switch:backlight']!.command_template, '{"backlight": {{ value | to_json }}}');
  assert.equal(c['switch:state']!.command_template, undefined);
});

test('an output whose command takes no value under a field\'s name reports that field read-only', () => {
  assert.deepEqual(Object.keys(configsOf('locked', 'output')), ['binary_sensor:state']);
  // It acts on an empty command, so it gets a button that sends one.
  const runner = configsOf('runner', 'output');
  assert.deepEqual(Object.keys(runner), ['sensor:result', 'sensor:exit_code', 'button:press']);
  assert.deepEqual(
    [runner['button:press']!.name, runner['button:press']!.payload_press, runner['button:press']!.command_topic, runner['button:press']!.state_topic],
    ['Thing', '{}', 'han/kitchen-pi/thing/set', undefined],
  );
  // `subject` is a key of the command, but not one it takes on its own; nor does it take `{}`.
  assert.deepEqual(Object.keys(configsOf('mailer', 'output')), ['sensor:subject', 'sensor:accepted']);
  const gauge = configsOf('gauge', 'output');
  assert.deepEqual(Object.keys(gauge), ['number:level']);
  // Nothing bounds it: a wide range in a box, since Home Assistant drops states outside min..max.
  assert.deepEqual([gauge['number:level']!.min, gauge['number:level']!.max, gauge['number:level']!.mode], [-1_000_000, 1_000_000, 'box']);
});

test('a button is a binary sensor plus an event entity on B/N/S/event', () => {
  const c = configsOf('button', 'input');
  assert.deepEqual(Object.keys(c), ['binary_sensor:state', 'event:event']);
  const e = c['event:event']!;
  assert.equal(e.state_topic, 'han/kitchen-pi/thing/event');
  assert.deepEqual(e.event_types, ['press', 'double_press', 'long_press']);
  assert.equal(e.value_template, '{ "event_type": "{{ value_json.event }}" }');
  assert.equal(e.unique_id, 'hanode_kitchen-pi_thing_event');
});

test('totals count up, a count of one interval is a measurement, booleans are binary sensors, unknown device classes are left out', () => {
  const c = configsOf('meter', 'input');
  assert.equal(c['sensor:pulse_count']!.state_class, 'measurement');
  assert.equal(c['sensor:pulses_total']!.state_class, 'total_increasing');
  assert.equal(c['sensor:energy']!.state_class, 'total_increasing');
  assert.equal(c['sensor:energy']!.device_class, 'energy');
  assert.equal(c['binary_sensor:leak']!.device_class, 'moisture');
  assert.equal(c['binary_sensor:leak']!.value_template, "{{ 'ON' if value_json.leak else 'OFF' }}");
  assert.equal(c['sensor:mood']!.device_class, undefined);
  assert.equal(c['sensor:lux']!.device_class, undefined);
  assert.equal(c['sensor:lux']!.unit_of_measurement, 'lx');
  assert.equal(c['sensor:lux']!.state_class, 'measurement');
});

test('every driver in the registry, with its own example, gives configs that follow the rules', () => {
  const registry = builtins;
  const schemes: DiscoveredScheme[] = [
    ...Object.entries(registry.inputs).map(([driver, def]) => ({ id: `in-${driver}`, driver, direction: 'input' as const, options: def.example })),
    ...Object.entries(registry.outputs).map(([driver, def]) => ({ id: `out-${driver}`, driver, direction: 'output' as const, options: def.example })),
  ];
  const configs = nodeConfigs(schemes, { prefix: 'homeassistant', topics: topicsFor('han', 'kitchen-pi'), registry, node });
  assert.deepEqual(allProblems(configs, expect), []);
  for (const s of schemes) {
    const def = s.direction === 'input' ? registry.inputs[s.driver]! : registry.outputs[s.driver]!;
    const mine = configs.filter((c) => c.scheme === s.id);
    const absorbed = driverOverrides[s.driver]?.dimmer?.level;
    // A driver without fields of its own (http-json, command) publishes the keys of its `fields` option.
    // An expander input publishes only the pins it lists.
    const published = driverOverrides[s.driver]?.published?.(s.options);
    const fields = (def.fields.length ? def.fields.map((f) => f.name) : Object.keys((s.options.fields ?? {}) as object)).filter((f) => !published || published.includes(f));
    assert.deepEqual(mine.filter((c) => c.field !== 'event' && c.field !== 'press').map((c) => c.field), fields.filter((f) => f !== absorbed), s.driver);
    if (s.direction === 'input') assert.ok(mine.every((c) => c.config.command_topic === undefined), `${s.driver}: inputs take no commands`);
  }
});
