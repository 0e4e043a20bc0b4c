/**
 * The discovery rules of issue 7 as one check, shared by the tests that build configs and the
 * ones that read them back from a broker. Returns every broken rule, so a failure lists them all.
 */
import type { DiscoveryConfig } from '../../src/discovery/index.js';

const COMPONENTS = ['sensor', 'binary_sensor', 'switch', 'number', 'text', 'button', 'event'];

/** Keys each component must have beyond the shared ones. */
const REQUIRED: Record<string, string[]> = {
  sensor: ['value_template'],
  binary_sensor: ['value_template', 'payload_on', 'payload_off'],
  switch: ['value_template', 'command_topic', 'payload_on', 'payload_off', 'state_on', 'state_off'],
  number: ['value_template', 'command_topic'],
  text: ['value_template', 'command_topic', 'command_template'],
  button: ['command_topic', 'payload_press'],
  event: ['value_template', 'event_types'],
};

export interface Expect {
  base: string;
  node: string;
  version: string;
  prefix?: string;
}

export function ruleProblems(topic: string, config: Record<string, any>, e: Expect): string[] {
  const problems: string[] = [];
  const fail = (m: string) => problems.push(`${topic}: ${m}`);
  const prefix = e.prefix ?? 'homeassistant';
  const m = new RegExp(`^${prefix}/([a-z_]+)/${e.node}/([a-z0-9][a-z0-9-]*)_([a-z0-9_]+)/config$`).exec(topic);
  if (!m) return [`${topic}: not a <prefix>/<component>/<N>/<S>_<field>/config topic`];
  const [, component, scheme, field] = m as unknown as [string, string, string, string];
  if (!COMPONENTS.includes(component)) fail(`unexpected component ${component}`);
  const n = `${e.base}/${e.node}`;

  if (config.unique_id !== `hanode_${e.node}_${scheme}_${field}`) fail(`unique_id ${config.unique_id}`);
  if (typeof config.object_id !== 'string' || !/^[a-z0-9_]+$/.test(config.object_id)) fail(`object_id ${config.object_id}`);
  if (typeof config.name !== 'string' || !config.name) fail('no name');
  // A button has no state; an event entity reads B/N/S/event; everything else B/N/S.
  const stateTopic = component === 'button' ? undefined : field === 'event' ? `${n}/${scheme}/event` : `${n}/${scheme}`;
  if (config.state_topic !== stateTopic) fail(`state_topic ${config.state_topic}, expected ${stateTopic}`);
  if (stateTopic && field !== 'event' && !String(config.value_template).includes(`value_json.${field}`)) fail(`value_template ${config.value_template}`);
  if (JSON.stringify(config.availability) !== JSON.stringify([{ topic: `${n}/status` }, { topic: `${n}/${scheme}/availability` }])) {
    fail(`availability ${JSON.stringify(config.availability)}`);
  }
  if (config.availability_mode !== 'all') fail(`availability_mode ${config.availability_mode}`);
  const d = config.device ?? {};
  if (JSON.stringify(d.identifiers) !== JSON.stringify([`hanode_${e.node}`])) fail(`device.identifiers ${JSON.stringify(d.identifiers)}`);
  if (d.name !== e.node || !d.model || d.sw_version !== e.version || d.manufacturer !== 'hanode') fail(`device ${JSON.stringify(d)}`);
  if (config.origin?.name !== 'hanode' || config.origin?.sw_version !== e.version) fail(`origin ${JSON.stringify(config.origin)}`);

  for (const key of REQUIRED[component] ?? []) if (config[key] === undefined) fail(`${component} without ${key}`);
  if ('command_topic' in config && config.command_topic !== `${n}/${scheme}/set`) fail(`command_topic ${config.command_topic}`);
  if (component === 'switch' && (config.payload_on !== 'ON' || config.payload_off !== 'OFF')) fail('switch payloads are not ON/OFF');
  if (component === 'text' && !/^\{"[a-z_]+": \{\{ value \| to_json \}\}\}$/.test(config.command_template)) fail(`command_template ${config.command_template}`);
  if (component === 'sensor' && config.device_class && config.unit_of_measurement === undefined && config.device_class !== 'enum') {
    fail(`device_class ${config.device_class} without a unit`);
  }
  if (component === 'sensor' && config.unit_of_measurement !== undefined && !['measurement', 'total_increasing', 'total'].includes(config.state_class)) {
    fail(`numeric sensor without state_class`);
  }
  if (component === 'number' && (typeof config.min !== 'number' || typeof config.max !== 'number')) fail('number without min/max');
  return problems;
}

/** Every rule over a set of configs, plus unique ids and topics that must not repeat. */
export function allProblems(configs: readonly Pick<DiscoveryConfig, 'topic' | 'config'>[], e: Expect): string[] {
  const problems = configs.flatMap((c) => ruleProblems(c.topic, c.config, e));
  const ids = configs.map((c) => c.config.unique_id);
  for (const id of new Set(ids)) if (ids.filter((i) => i === id).length > 1) problems.push(`unique_id ${id} used twice`);
  return problems;
}
