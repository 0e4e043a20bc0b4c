/**
 * The discovery rules of issues 7 and 17 (hanode's own: topics, ids, availability, device) as one check, shared by the tests that build configs and the
 * ones that read them back from a broker. Returns every broken rule, so a failure lists them all.
 */
import type { DiscoveryConfig } from '../../src/discovery/index.js';
import { haProblems } from './ha-schema.js';

const COMPONENTS = ['sensor', 'binary_sensor', 'switch', 'number', 'text', 'button', 'event', 'light', 'fan', 'valve', 'cover'];

/** Keys each component must have beyond the shared ones. */
const REQUIRED: Record<string, string[]> = {
  sensor: ['value_template'],
  binary_sensor: ['value_template', 'payload_on', 'payload_off'],
  switch: ['value_template', 'command_topic', 'payload_on', 'payload_off', 'state_on', 'state_off'],
  number: ['value_template', 'command_topic'],
  text: ['value_template', 'command_topic', 'command_template'],
  button: ['command_topic', 'payload_press'],
  event: ['value_template', 'event_types'],
  light: ['state_value_template', 'command_topic', 'payload_on', 'payload_off'],
  fan: ['state_value_template', 'command_topic', 'payload_on', 'payload_off'],
  valve: ['value_template', 'command_topic', 'command_template'],
  cover: ['position_topic', 'position_template', 'set_position_topic', 'set_position_template'],
};

/** The node's own entities: key → component. */
export const NODE_ENTITIES: Record<string, string> = {
  restart: 'button',
  connectivity: 'binary_sensor',
  outbox_backlog: 'sensor',
  outbox_dropped: 'sensor',
  version: 'sensor',
};

export interface Expect {
  base: string;
  node: string;
  version: string;
  prefix?: string;
  configurationUrl?: string;
  supportUrl?: string;
}

export function ruleProblems(topic: string, config: Record<string, any>, e: Expect): string[] {
  const problems: string[] = [];
  const fail = (m: string) => problems.push(`${topic}: ${m}`);
  const prefix = e.prefix ?? 'homeassistant';
  const own = new RegExp(`^${prefix}/([a-z_]+)/${e.node}/_node_([a-z_]+)/config$`).exec(topic);
  if (own) return nodeEntityProblems(own[1]!, own[2]!, config, e).map((p) => `${topic}: ${p}`);
  const m = new RegExp(`^${prefix}/([a-z_]+)/${e.node}/([a-z0-9][a-z0-9-]*)_([a-z0-9_]+)/config$`).exec(topic);
  if (!m) return [`${topic}: not a <prefix>/<component>/<N>/<S>_<field>/config topic`];
  const [, component, scheme, field] = m as unknown as [string, string, string, string];
  if (!COMPONENTS.includes(component)) fail(`unexpected component ${component}`);
  const n = `${e.base}/${e.node}`;

  if (config.unique_id !== `hanode_${e.node}_${scheme}_${field}`) fail(`unique_id ${config.unique_id}`);
  if (typeof config.object_id !== 'string' || !/^[a-z0-9_]+$/.test(config.object_id)) fail(`object_id ${config.object_id}`);
  if (typeof config.name !== 'string' || !config.name) fail('no name');
  // A button has no state, a cover reads its position; an event entity reads B/N/S/event; everything else B/N/S.
  const stateTopic = component === 'button' || component === 'cover' ? undefined : field === 'event' ? `${n}/${scheme}/event` : `${n}/${scheme}`;
  if (config.state_topic !== stateTopic) fail(`state_topic ${config.state_topic}, expected ${stateTopic}`);
  const template = config.value_template ?? config.state_value_template ?? config.position_template;
  if (stateTopic && field !== 'event' && !String(template).includes(`value_json.${field}`)) fail(`value_template ${template}`);
  if (component === 'cover' && (config.position_topic !== `${n}/${scheme}` || config.set_position_topic !== `${n}/${scheme}/set`)) fail('cover position topics');
  if (JSON.stringify(config.availability) !== JSON.stringify([{ topic: `${n}/status` }, { topic: `${n}/${scheme}/availability` }])) {
    fail(`availability ${JSON.stringify(config.availability)}`);
  }
  if (config.availability_mode !== 'all') fail(`availability_mode ${config.availability_mode}`);
  problems.push(...deviceProblems(config, e).map((p) => `${topic}: ${p}`));

  for (const key of REQUIRED[component] ?? []) if (config[key] === undefined) fail(`${component} without ${key}`);
  if ('command_topic' in config && config.command_topic !== `${n}/${scheme}/set`) fail(`command_topic ${config.command_topic}`);
  if (component === 'switch' && (config.payload_on !== 'ON' || config.payload_off !== 'OFF')) fail('switch payloads are not ON/OFF');
  if (component === 'text' && !/^\{"[a-z_]+": \{\{ value \| to_json \}\}\}$/.test(config.command_template)) fail(`command_template ${config.command_template}`);
  if (component === 'sensor' && config.device_class && config.unit_of_measurement === undefined && !['enum', 'ph', 'aqi', 'date', 'timestamp', 'power_factor'].includes(config.device_class)) {
    fail(`device_class ${config.device_class} without a unit`);
  }
  if (component === 'sensor' && config.unit_of_measurement !== undefined && !['measurement', 'total_increasing', 'total'].includes(config.state_class)) {
    fail(`numeric sensor without state_class`);
  }
  if (component === 'number' && (typeof config.min !== 'number' || typeof config.max !== 'number')) fail('number without min/max');
  return problems;
}

/**
 * The node's device, or an area's: `hanode_<N>_area_<area>`, named `<N> <area>`, with the area as
 * its suggested_area and the node's device as via_device.
 */
function deviceProblems(config: Record<string, any>, e: Expect): string[] {
  const problems: string[] = [];
  const d = config.device ?? {};
  const [id] = d.identifiers ?? [];
  if (d.identifiers?.length !== 1) problems.push(`device.identifiers ${JSON.stringify(d.identifiers)}`);
  if (id === `hanode_${e.node}`) {
    if (d.name !== e.node || d.suggested_area !== undefined || d.via_device !== undefined) problems.push(`device ${JSON.stringify(d)}`);
  } else if (typeof id === 'string' && id.startsWith(`hanode_${e.node}_area_`)) {
    if (d.via_device !== `hanode_${e.node}` || typeof d.suggested_area !== 'string' || d.name !== `${e.node} ${d.suggested_area}`) problems.push(`area device ${JSON.stringify(d)}`);
  } else problems.push(`device.identifiers ${JSON.stringify(d.identifiers)}`);
  if (!d.model || d.sw_version !== e.version || d.manufacturer !== 'hanode') problems.push(`device ${JSON.stringify(d)}`);
  if (e.configurationUrl !== undefined && d.configuration_url !== e.configurationUrl) problems.push(`device.configuration_url ${d.configuration_url}, expected ${e.configurationUrl}`);
  if (config.origin?.name !== 'hanode' || config.origin?.sw_version !== e.version) problems.push(`origin ${JSON.stringify(config.origin)}`);
  if (e.supportUrl !== undefined && config.origin?.support_url !== e.supportUrl) problems.push(`origin.support_url ${config.origin?.support_url}`);
  return problems;
}

/** One of the node's own entities: on the node's device, reading `status` or `$info`. */
function nodeEntityProblems(component: string, key: string, config: Record<string, any>, e: Expect): string[] {
  const problems: string[] = [];
  const n = `${e.base}/${e.node}`;
  if (NODE_ENTITIES[key] !== component) problems.push(`unexpected node entity ${component} ${key}`);
  if (config.unique_id !== `hanode_${e.node}_$node_${key}`) problems.push(`unique_id ${config.unique_id}`);
  if (JSON.stringify(config.device?.identifiers) !== JSON.stringify([`hanode_${e.node}`])) problems.push('not on the node device');
  if (key === 'restart' && (config.command_topic !== `${n}/$request/restart` || config.payload_press === undefined)) problems.push(`restart command ${config.command_topic}`);
  if (key === 'connectivity' && (config.state_topic !== `${n}/status` || config.payload_on !== 'online' || config.payload_off !== 'offline' || config.availability !== undefined)) {
    problems.push('connectivity does not follow B/N/status');
  }
  if (component === 'sensor' && config.state_topic !== `${n}/$info`) problems.push(`state_topic ${config.state_topic}`);
  if (key !== 'connectivity' && JSON.stringify(config.availability) !== JSON.stringify([{ topic: `${n}/status` }])) problems.push(`availability ${JSON.stringify(config.availability)}`);
  if (key !== 'restart' && config.entity_category !== 'diagnostic') problems.push('not diagnostic');
  return [...problems, ...deviceProblems(config, e)];
}

/**
 * Every rule over a set of configs, Home Assistant's schema (ha-schema.ts) included, plus unique
 * ids and topics that must not repeat.
 */
export function allProblems(configs: readonly Pick<DiscoveryConfig, 'topic' | 'config'>[], e: Expect): string[] {
  const problems = configs.flatMap((c) => [...ruleProblems(c.topic, c.config, e), ...haProblems(c.topic, c.config)]);
  const ids = configs.map((c) => c.config.unique_id);
  for (const id of new Set(ids)) if (ids.filter((i) => i === id).length > 1) problems.push(`unique_id ${id} used twice`);
  return problems;
}
