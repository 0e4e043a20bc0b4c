/**
 * The Home Assistant discovery configs of a node's schemes, as a pure function of the schemes,
 * the driver registry and the node: the same input always gives the same topics and payloads,
 * so unique ids stay stable across restarts.
 */
import type { DriverRegistry } from '../core/registry.js';
import type { Topics } from '../core/topics.js';
import { buttonEntity, driverOverrides, eventEntity, outputEntity, readOnlyEntity, type Component, type EntityShape } from './entities.js';

/** A scheme as discovery needs it: what the agent's scheme set knows. */
export interface DiscoveredScheme {
  id: string;
  driver: string;
  direction: 'input' | 'output';
  /** The parsed scheme options; `name` is used as the entity name. */
  options: Record<string, unknown>;
}

export interface NodeInfo {
  /** hanode's version. */
  version: string;
  /** The board, e.g. "Raspberry Pi 4 Model B Rev 1.5". */
  model?: string;
  /** Where users find help; becomes the origin's `support_url`. */
  url?: string;
}

export interface DiscoveryConfig {
  /** `<prefix>/<component>/<N>/<S>_<field>/config`. */
  topic: string;
  component: Component;
  scheme: string;
  /** The field; `event` for a driver's momentary events, `press` for an output's button. */
  field: string;
  config: Record<string, unknown>;
}

export interface BuildOptions {
  /** Discovery prefix; Home Assistant's default is `homeassistant`. */
  prefix: string;
  topics: Topics;
  registry: DriverRegistry;
  node: NodeInfo;
}

/** `kitchen-pi` → `kitchen_pi`: entity ids take underscores only. */
const slug = (s: string) => s.replace(/-/g, '_');

/** `cpu_temp` → `cpu temp`. */
const label = (field: string) => field.replace(/_/g, ' ');

/** Every config for one scheme; none for a driver the registry does not have. */
export function schemeConfigs(scheme: DiscoveredScheme, o: BuildOptions): DiscoveryConfig[] {
  const def = scheme.direction === 'input' ? o.registry.inputs[scheme.driver] : o.registry.outputs[scheme.driver];
  if (!def) return [];
  const override = Object.hasOwn(driverOverrides, scheme.driver) ? driverOverrides[scheme.driver] : undefined;
  const name = typeof scheme.options.name === 'string' && scheme.options.name ? scheme.options.name : scheme.id;
  const single = def.fields.length === 1;
  const entities: { field: string; shape: EntityShape; stateTopic?: string; name: string }[] = def.fields.map((field) => ({
    field: field.name,
    shape: scheme.direction === 'output' ? outputEntity(field, def as never, override, scheme.options) : readOnlyEntity(field, override, scheme.options),
    stateTopic: o.topics.state(scheme.id),
    name: single ? name : `${name} ${label(field.name)}`,
  }));
  const events = scheme.direction === 'input' ? eventEntity(override) : undefined;
  if (events) entities.push({ field: 'event', shape: events, stateTopic: o.topics.event(scheme.id), name: `${name} event` });
  const button = scheme.direction === 'output' ? buttonEntity(def as never, entities.map((e) => e.shape)) : undefined;
  if (button) entities.push({ field: 'press', shape: button, name });

  return entities.map(({ field, shape, stateTopic, name: entityName }) => {
    const objectId = `${slug(o.topics.node)}_${slug(scheme.id)}_${field}`;
    const config: Record<string, unknown> = {
      name: entityName,
      unique_id: `hanode_${o.topics.node}_${scheme.id}_${field}`,
      object_id: objectId,
      // Home Assistant 2025.10 replaced object_id with default_entity_id; older versions ignore it.
      default_entity_id: `${shape.component}.${objectId}`,
      state_topic: stateTopic,
      ...shape.keys,
      ...(scheme.direction === 'output' && shape.component !== 'sensor' && shape.component !== 'binary_sensor'
        ? { command_topic: o.topics.set(scheme.id) }
        : {}),
      entity_category: override?.entityCategory,
      availability: [{ topic: o.topics.status }, { topic: o.topics.availability(scheme.id) }],
      availability_mode: 'all',
      qos: 1,
      device: deviceOf(o),
      origin: { name: 'hanode', sw_version: o.node.version, ...(o.node.url ? { support_url: o.node.url } : {}) },
    };
    return {
      topic: `${o.prefix}/${shape.component}/${o.topics.node}/${scheme.id}_${field}/config`,
      component: shape.component,
      scheme: scheme.id,
      field,
      config: withoutUndefined(config),
    };
  });
}

/** Every config for every scheme, in the order given. */
export function nodeConfigs(schemes: readonly DiscoveredScheme[], o: BuildOptions): DiscoveryConfig[] {
  return schemes.flatMap((s) => schemeConfigs(s, o));
}

function deviceOf(o: BuildOptions): Record<string, unknown> {
  return {
    identifiers: [`hanode_${o.topics.node}`],
    name: o.topics.node,
    model: o.node.model ?? 'hanode node',
    manufacturer: 'hanode',
    sw_version: o.node.version,
  };
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
