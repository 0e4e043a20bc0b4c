/**
 * README "Home Assistant": what a scheme's `homeassistant:`, `area:` and `discovery:` do to its
 * entities, the defaults that need no override (a motion sensor, a meter with a unit, a pwm light,
 * a servo valve or cover), the node's own entities, and the checks that give FILE:LINE:COL
 * problems for overrides Home Assistant would refuse. Every config is also checked against Home
 * Assistant's schema (ha-schema.ts, through allProblems).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicsFor } from '../../src/core/topics.js';
import { parseSetPayload } from '../../src/core/set-payload.js';
import { MAX_HA_OVERRIDES } from '../../src/core/limits.js';
import { loadSchemeTexts, formatProblem } from '../../src/schemes/loader.js';
import { nodeConfigs, NODE_ENTITIES, type NodeInfo } from '../../src/discovery/index.js';
import { dashboardUrl } from '../../src/http/schema.js';
import { allProblems } from './rules.js';
import { builtins } from '../helpers/drivers.js';

const registry = builtins;
const topics = topicsFor('han', 'hall-pi');
const NODE: NodeInfo = { version: '2.0.0', url: 'https://example.org/hanode', configurationUrl: 'http://hall-pi:8420/' };
const expect = { base: 'han', node: 'hall-pi', version: '2.0.0', configurationUrl: NODE.configurationUrl, supportUrl: NODE.url };

function load(yaml: string) {
  return loadSchemeTexts([{ file: 'schemes/t.yaml', text: yaml }], registry);
}

/** The problems of a scheme file, as `hanode validate` prints them. */
function problems(yaml: string): string[] {
  return load(yaml).problems.map(formatProblem);
}

/** The configs of a valid scheme file, by `<component>/<object>` (the node's own left out unless asked). */
function configs(yaml: string, node: NodeInfo = NODE, withNode = false): Record<string, Record<string, any>> {
  const loaded = load(yaml);
  assert.deepEqual(loaded.problems.map(formatProblem), []);
  const all = nodeConfigs([...loaded.inputs, ...loaded.outputs], { prefix: 'homeassistant', topics, registry, node });
  assert.deepEqual(allProblems(all, { ...expect, version: node.version, configurationUrl: node.configurationUrl, supportUrl: node.url }), []);
  return Object.fromEntries(
    all.filter((c) => withNode || c.scheme !== NODE_ENTITIES).map((c) => [c.topic.replace(/^homeassistant\/([a-z_]+)\/hall-pi\/(.+)\/config$/, '$1/$2'), c.config]),
  );
}

/** What Home Assistant sends for a `{{ value }}` template: the template with the value in it. */
const render = (template: string, value: number) => template.replace('{{ value }}', String(value));

/** Whether an output driver takes a payload Home Assistant publishes on its `/set`. */
function takes(driver: string, payload: string): boolean {
  const parsed = parseSetPayload(payload);
  return parsed.ok && registry.outputs[driver]!.command.safeParse(parsed.command).success;
}

test('overrides set every key they name on that field\'s entity only', () => {
  const c = configs(`
inputs:
  - id: attic
    name: Attic
    driver: bme280
    homeassistant:
      temperature:
        name: Attic air
        icon: mdi:home-thermometer
        suggested_display_precision: 1
        expire_after: 10m
        enabled_by_default: true
      humidity: { entity_category: diagnostic, enabled_by_default: false }
      pressure: { device_class: pressure, unit_of_measurement: hPa, state_class: measurement }
`);
  const t = c['sensor/attic_temperature']!;
  assert.deepEqual(
    [t.name, t.icon, t.suggested_display_precision, t.expire_after, t.enabled_by_default, t.device_class, t.unit_of_measurement],
    ['Attic air', 'mdi:home-thermometer', 1, 600, true, 'temperature', '°C'],
  );
  const h = c['sensor/attic_humidity']!;
  assert.deepEqual([h.entity_category, h.enabled_by_default, h.name, h.icon], ['diagnostic', false, 'Attic humidity', undefined]);
  assert.equal(c['sensor/attic_pressure']!.device_class, 'pressure', 'atmospheric_pressure by default, pressure when the scheme says so');
});

test('a PIR on gpio-in or button with device_class motion is a motion binary_sensor', () => {
  const c = configs(`
inputs:
  - { id: pir, name: Hall PIR, driver: gpio-in, pin: 5, homeassistant: { state: { device_class: motion } } }
  - { id: pir-button, driver: button, pin: 6, homeassistant: { state: { device_class: motion } } }
  - { id: plain, driver: gpio-in, pin: 7 }
`);
  assert.equal(c['binary_sensor/pir_state']!.device_class, 'motion');
  assert.equal(c['binary_sensor/pir_state']!.name, 'Hall PIR');
  assert.equal(c['binary_sensor/pir-button_state']!.device_class, 'motion');
  assert.ok(c['event/pir-button_event'], 'a button keeps its gesture events');
  assert.equal(c['binary_sensor/plain_state']!.device_class, undefined);
});

test('pulse-counter: count is a measurement, total a meter in the scheme\'s unit for the Energy and Water dashboards', () => {
  const c = configs(`
inputs:
  - { id: water, driver: pulse-counter, pin: 22, multiplier: 0.5, unit: L }
  - { id: water-m3, driver: pulse-counter, pin: 23, multiplier: 0.001, unit: m³ }
  - { id: power, driver: pulse-counter, pin: 24, multiplier: 0.001, unit: kWh }
  - { id: gas, driver: pulse-counter, pin: 25, multiplier: 0.01, unit: m³, homeassistant: { total: { device_class: gas } } }
  - { id: bare, driver: pulse-counter, pin: 26 }
`);
  const meter = (id: string) => {
    const t = c[`sensor/${id}_total`]!;
    return [t.device_class, t.unit_of_measurement, t.state_class];
  };
  assert.deepEqual(meter('water'), ['water', 'L', 'total_increasing']);
  assert.deepEqual(meter('water-m3'), ['water', 'm³', 'total_increasing']);
  assert.deepEqual(meter('power'), ['energy', 'kWh', 'total_increasing']);
  assert.deepEqual(meter('gas'), ['gas', 'm³', 'total_increasing']);
  assert.deepEqual(meter('bare'), [undefined, undefined, 'total_increasing']);
  for (const id of ['water', 'power', 'bare']) assert.equal(c[`sensor/${id}_count`]!.state_class, 'measurement', `${id} count`);
  assert.deepEqual([c['sensor/water_rate_per_min']!.device_class, c['sensor/water_rate_per_min']!.unit_of_measurement], ['volume_flow_rate', 'L/min']);
  assert.deepEqual([c['sensor/power_rate_per_min']!.device_class, c['sensor/power_rate_per_min']!.unit_of_measurement], [undefined, 'kWh/min']);
  assert.deepEqual([c['sensor/bare_rate_per_min']!.unit_of_measurement, c['sensor/bare_rate_per_min']!.state_class], [undefined, 'measurement']);
});

test('an override of the device class brings a state class that fits it', () => {
  const c = configs(`
inputs:
  - { id: meter, driver: mcp3008, channel: 0, homeassistant: { voltage: { device_class: energy, unit_of_measurement: kWh } } }
`);
  assert.deepEqual([c['sensor/meter_voltage']!.device_class, c['sensor/meter_voltage']!.state_class], ['energy', 'total_increasing']);
});

test('a pwm lamp is one light with brightness, and the payloads Home Assistant sends are ones pwm takes', () => {
  const c = configs(`
outputs:
  - { id: lamp, name: Lamp, driver: pwm, channel: 0 }
  - { id: fan, name: Ceiling fan, driver: pwm, channel: 1, homeassistant: { state: { component: fan } } }
`);
  assert.deepEqual(Object.keys(c).sort(), ['fan/fan_state', 'light/lamp_state']);
  const l = c['light/lamp_state']!;
  assert.equal(l.name, 'Lamp');
  assert.deepEqual([l.command_topic, l.brightness_command_topic, l.state_topic, l.brightness_state_topic], [
    'han/hall-pi/lamp/set', 'han/hall-pi/lamp/set', 'han/hall-pi/lamp', 'han/hall-pi/lamp',
  ]);
  assert.deepEqual([l.brightness_scale, l.on_command_type, l.state_value_template, l.brightness_value_template], [
    100, 'brightness', '{{ value_json.state }}', '{{ value_json.brightness }}',
  ]);
  // On, off, and a brightness alone (on_command_type: brightness), as Home Assistant sends them.
  for (const payload of [l.payload_on, l.payload_off, render(l.brightness_command_template, 1), render(l.brightness_command_template, 100)]) {
    assert.ok(takes('pwm', payload), `pwm takes ${payload}`);
  }
  const f = c['fan/fan_state']!;
  assert.deepEqual([f.percentage_command_topic, f.speed_range_min, f.speed_range_max], ['han/hall-pi/fan/set', 1, 100]);
  assert.ok(takes('pwm', render(f.percentage_command_template, 40)) && takes('pwm', f.payload_on) && takes('pwm', f.payload_off));
});

test('a servo is a number by default, and a valve or a cover over its angle range when the scheme says so', () => {
  const c = configs(`
outputs:
  - { id: flap, driver: servo, channel: 0, min_angle: 10, max_angle: 170 }
  - { id: tap, driver: servo, channel: 1, homeassistant: { angle: { component: valve, device_class: water } } }
  - { id: vent, driver: servo, channel: 0, chip: 1, min_angle: 20, max_angle: 110, homeassistant: { angle: { component: cover, device_class: damper } } }
`);
  assert.deepEqual(Object.keys(c).sort(), ['cover/vent_angle', 'number/flap_angle', 'valve/tap_angle']);
  const v = c['valve/tap_angle']!;
  assert.deepEqual([v.reports_position, v.position_closed, v.position_open, v.device_class, v.value_template], [true, 0, 180, 'water', '{{ value_json.angle }}']);
  assert.ok(takes('servo', render(v.command_template, 0)) && takes('servo', render(v.command_template, 180)));
  const cover = c['cover/vent_angle']!;
  assert.deepEqual([cover.position_closed, cover.position_open, cover.position_topic, cover.set_position_topic, cover.payload_stop], [
    20, 110, 'han/hall-pi/vent', 'han/hall-pi/vent/set', null,
  ]);
  assert.equal(cover.state_topic, undefined, 'the state comes from the position');
  for (const payload of [cover.payload_open, cover.payload_close, render(cover.set_position_template, 65)]) assert.ok(takes('servo', payload), `servo takes ${payload}`);
});

test('area gives the scheme a device of its own in that area, reached through the node', () => {
  const c = configs(`
inputs:
  - { id: pir, driver: gpio-in, pin: 5, area: Living room }
  - { id: door, driver: gpio-in, pin: 6, area: " living  ROOM " }
  - { id: shed, driver: gpio-in, pin: 7 }
`);
  const d = c['binary_sensor/pir_state']!.device;
  assert.deepEqual(d, {
    identifiers: ['hanode_hall-pi_area_living_room'],
    name: 'hall-pi Living room',
    model: 'hanode node',
    manufacturer: 'hanode',
    sw_version: '2.0.0',
    suggested_area: 'Living room',
    via_device: 'hanode_hall-pi',
    configuration_url: 'http://hall-pi:8420/',
  });
  assert.deepEqual(c['binary_sensor/door_state']!.device.identifiers, d.identifiers, 'the same area, written differently, is one device');
  assert.deepEqual(c['binary_sensor/shed_state']!.device.identifiers, ['hanode_hall-pi']);
  assert.equal(c['binary_sensor/shed_state']!.device.suggested_area, undefined);
});

test('discovery: false gives a scheme no entities', () => {
  const c = configs(`
inputs:
  - { id: hidden, driver: gpio-in, pin: 5, discovery: false }
  - { id: shown, driver: gpio-in, pin: 6 }
`);
  assert.deepEqual(Object.keys(c), ['binary_sensor/shown_state']);
});

test("the node's own entities: restart, connectivity, outbox backlog, dropped readings, version", () => {
  const c = configs('', NODE, true);
  assert.deepEqual(Object.keys(c).sort(), [
    'binary_sensor/_node_connectivity',
    'button/_node_restart',
    'sensor/_node_outbox_backlog',
    'sensor/_node_outbox_dropped',
    'sensor/_node_version',
  ]);
  const restart = c['button/_node_restart']!;
  assert.deepEqual([restart.command_topic, restart.payload_press, restart.device_class], ['han/hall-pi/$request/restart', '{}', 'restart']);
  assert.deepEqual([c['sensor/_node_outbox_backlog']!.state_topic, c['sensor/_node_outbox_backlog']!.value_template], ['han/hall-pi/$info', '{{ value_json.outbox.backlog }}']);
  assert.equal(c['sensor/_node_outbox_dropped']!.value_template, '{{ value_json.outbox.dropped }}');
  assert.equal(c['sensor/_node_version']!.value_template, '{{ value_json.version }}');
  assert.equal(c['binary_sensor/_node_connectivity']!.state_topic, 'han/hall-pi/status');
  // Without a way to restart the node remotely, no button.
  assert.equal(configs('', { ...NODE, restart: false }, true)['button/_node_restart'], undefined);
  // Without the HTTP server, no configuration_url; without a homepage, no support_url.
  const bare = configs('', { version: '2.0.0' }, true)['sensor/_node_version']!;
  assert.equal(bare.device.configuration_url, undefined);
  assert.equal(bare.origin.support_url, undefined);
});

test('configuration_url is the dashboard as other machines reach it', () => {
  assert.equal(dashboardUrl({ host: '192.168.1.20', port: 8420 }), 'http://192.168.1.20:8420/');
  assert.equal(dashboardUrl({ host: '0.0.0.0', port: 80 }, 'hall-pi'), 'http://hall-pi:80/');
  assert.equal(dashboardUrl({ host: '::', port: 8420 }, 'hall-pi'), 'http://hall-pi:8420/');
  assert.equal(dashboardUrl({ host: 'fd00::5', port: 8420 }), 'http://[fd00::5]:8420/');
  assert.equal(dashboardUrl({ host: '127.0.0.1', port: 0 }), undefined, 'a port picked at start is not known yet');
  assert.equal(dashboardUrl(undefined), undefined);
});

test('overrides Home Assistant would refuse are FILE:LINE:COL problems that say what is allowed', () => {
  const found = problems(`inputs:
  - id: pir
    driver: gpio-in
    pin: 5
    homeassistant:
      state: { device_class: motoin, state_class: measurement }
  - id: meter
    driver: pulse-counter
    pin: 6
    unit: L
    homeassistant:
      total: { device_class: energy }
      count: { entity_category: config }
      totl: { icon: mdi:water }
  - id: t
    driver: ds18b20
    homeassistant:
      temperature: { unit_of_measurement: kWh, state_class: total_increasing, component: valve }
  - id: t2
    driver: ds18b20
    homeassistant:
      temperature: { unit_of_measurement: kWh, state_class: total_increasing }
  - id: t3
    driver: bme280
    homeassistant:
      pressure: { device_class: timestamp, unit_of_measurement: hPa }
      humidity: { device_class: ph, state_class: total }
      temperature: { device_class: temperature, unit_of_measurement: F }
outputs:
  - id: lamp
    driver: pwm
    homeassistant:
      brightness: { icon: mdi:lamp }
      state: { device_class: outlet }
  - id: lamp2
    driver: pwm
    channel: 1
    homeassistant:
      state: { icon: lamp, sate_class: x }
  - id: fan
    driver: gpio-out
    pin: 7
    homeassistant:
      state: { component: cover, device_class: outlet }
  - id: flap
    driver: servo
    channel: 0
    chip: 2
    homeassistant:
      angle: { component: fan }
`);
  assert.deepEqual(found, [
    "schemes/t.yaml:6:30: unknown device_class \"motoin\" for a binary_sensor (pir state); did you mean 'motion'? expected one of battery, battery_charging, carbon_monoxide, cold, connectivity, door, garage_door, gas, heat, light, lock, moisture, motion, moving, occupancy, opening, plug, power, presence, problem, running, safety, smoke, sound, tamper, update, vibration, window",
    'schemes/t.yaml:6:38: state_class does not apply: pir state is a binary_sensor, which takes name, icon, entity_category, enabled_by_default, device_class, expire_after',
    'schemes/t.yaml:12:30: unit "L" is not one Home Assistant takes for device_class energy; expected one of J, kJ, MJ, GJ, mWh, Wh, kWh, MWh, GWh, TWh, cal, kcal, Mcal, Gcal',
    'schemes/t.yaml:13:33: meter count is a sensor, which Home Assistant only takes as diagnostic, not config (config is for settings you can change)',
    "schemes/t.yaml:14:7: no entity 'totl' on this pulse-counter scheme; did you mean 'total'? its entities are count, rate_per_min, total",
    "schemes/t.yaml:18:90: temperature is always a sensor: only a settable position (a servo's angle: number, valve or cover) or a dimmer (pwm: light or fan) can choose its component",
    'schemes/t.yaml:22:43: unit "kWh" is not one Home Assistant takes for device_class temperature; expected one of °C, °F, K',
    'schemes/t.yaml:22:61: device_class temperature takes state_class measurement, not total_increasing',
    'schemes/t.yaml:26:65: device_class timestamp has no unit; leave unit_of_measurement out',
    'schemes/t.yaml:27:50: device_class ph takes state_class measurement, not total',
    "schemes/t.yaml:28:70: unit \"F\" is not one Home Assistant takes for device_class temperature; did you mean '°F'? expected one of °C, °F, K",
    'schemes/t.yaml:33:7: brightness is part of the state entity of a pwm (one light with brightness); put its overrides under state',
    'schemes/t.yaml:34:16: device_class does not apply: lamp state is a light, which takes name, icon, entity_category, enabled_by_default',
    'schemes/t.yaml:39:22: expected a Material Design icon such as mdi:water-pump, got "lamp"',
    "schemes/t.yaml:39:28: unknown option 'sate_class'; did you mean 'state_class'?",
    "schemes/t.yaml:44:27: state is always a switch: only a settable position (a servo's angle: number, valve or cover) or a dimmer (pwm: light or fan) can choose its component",
    'schemes/t.yaml:50:27: expected one of number, valve, cover for angle, got "fan"',
  ]);
});

test('the fields of http-json and command are the scheme\'s own: sensors, which overrides make numeric', () => {
  const c = configs(`
inputs:
  - id: weather
    driver: http-json
    url: https://api.example.com/now
    fields: { outside: $.temp, sky: $.condition }
    homeassistant: { outside: { device_class: temperature, unit_of_measurement: °C } }
`);
  assert.deepEqual(Object.keys(c).sort(), ['sensor/weather_outside', 'sensor/weather_sky']);
  const t = c['sensor/weather_outside']!;
  assert.deepEqual([t.value_template, t.device_class, t.unit_of_measurement, t.state_class], ['{{ value_json.outside }}', 'temperature', '°C', 'measurement']);
  assert.deepEqual([c['sensor/weather_sky']!.device_class, c['sensor/weather_sky']!.state_class], [undefined, undefined]);
});

test('a device class that takes no unit drops the field\'s own; a sensor class lists all its units when one is missing', () => {
  const c = configs(`
inputs:
  - { id: soil, driver: bme280, homeassistant: { humidity: { device_class: ph } } }
`);
  assert.deepEqual([c['sensor/soil_humidity']!.device_class, c['sensor/soil_humidity']!.unit_of_measurement], ['ph', undefined]);
  assert.deepEqual(problems(`
inputs:
  - { id: meter, driver: pulse-counter, pin: 5, homeassistant: { total: { device_class: water } } }
`), ['schemes/t.yaml:3:89: device_class water needs a unit_of_measurement: one of L, gal, m³, ft³, CCF, MCF']);
});

test(`a scheme overrides at most ${MAX_HA_OVERRIDES} fields`, () => {
  const block = (n: number) => `
inputs:
  - id: many
    driver: http-json
    url: http://127.0.0.1:9/
    fields: { level: $.level }
    homeassistant: { ${Array.from({ length: n }, (_, i) => `f${i}: { icon: mdi:x }`).join(', ')} }
`;
  const limit = `at most ${MAX_HA_OVERRIDES} fields`;
  assert.ok(!problems(block(MAX_HA_OVERRIDES)).some((p) => p.includes(limit)), 'at the limit: only the fields that do not exist are problems');
  assert.ok(problems(block(MAX_HA_OVERRIDES)).every((p) => p.includes('no entity')));
  assert.deepEqual(problems(block(MAX_HA_OVERRIDES + 1)), [`schemes/t.yaml:7:20: expected ${limit}`]);
});

test('an expander input has entities for the pins it lists only: the others are never published', () => {
  const c = configs(`
inputs:
  - { id: zones, driver: pcf8574-in, address: 0x21, pins: [0, 3] }
`);
  assert.deepEqual(Object.keys(c).sort(), ['binary_sensor/zones_p0', 'binary_sensor/zones_p3']);
});
