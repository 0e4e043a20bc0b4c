/**
 * The Home Assistant discovery configs of a node's schemes, as a pure function of the schemes,
 * the driver registry and the node: the same input always gives the same topics and payloads,
 * so unique ids stay stable across restarts.
 */
import type { DriverRegistry } from '../core/registry.js';
import type { Topics } from '../core/topics.js';
import type { DriverDef, FieldDef } from '../core/driver.js';
import { NON_NUMERIC_SENSOR_CLASSES, SENSOR_DEVICE_CLASSES, stateClassesFor, type StateClass } from './ha.js';
import {
  buttonEntity,
  dimmerEntity,
  driverOverrides,
  eventEntity,
  fieldOverride,
  outputEntity,
  positionEntity,
  readOnlyEntity,
  type Component,
  type DriverOverride,
  type EntityShape,
  type SchemeTopics,
} from './entities.js';

/** A scheme as discovery needs it: what the agent's scheme set knows. */
export interface DiscoveredScheme {
  id: string;
  driver: string;
  direction: 'input' | 'output';
  /**
   * The parsed scheme options: `name` is used as the entity name, `area`, `discovery` and
   * `homeassistant` (the overrides per field, see {@link EntityOverride}) as README "Home Assistant" says.
   */
  options: Record<string, unknown>;
}

/** What a scheme's `homeassistant: { <field>: … }` may set on that field's entity (parsed: `expire_after` in ms). */
export interface EntityOverride {
  /** `number`, `valve` or `cover` for a settable position; `light` or `fan` for a dimmer. */
  component?: Component;
  device_class?: string;
  unit_of_measurement?: string;
  state_class?: string;
  icon?: string;
  name?: string;
  entity_category?: 'diagnostic' | 'config';
  enabled_by_default?: boolean;
  suggested_display_precision?: number;
  expire_after?: number;
}

export interface NodeInfo {
  /** hanode's version. */
  version: string;
  /** The board, e.g. "Raspberry Pi 4 Model B Rev 1.5". */
  model?: string;
  /** Where users find help; becomes the origin's `support_url`. */
  url?: string;
  /** The node's dashboard, when its HTTP server is on; becomes the devices' `configuration_url`. */
  configurationUrl?: string;
  /** Offer the restart button (default true); false when the node refuses remote restarts. */
  restart?: boolean;
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

/** One entity of a scheme before its config is written: the field (or `event`, `press`) it is keyed by. */
export interface SchemeEntity {
  key: string;
  shape: EntityShape;
  stateTopic?: string;
  name: string;
}

/** The override block of a scheme: `homeassistant:` as parsed. */
export function overridesOf(scheme: Pick<DiscoveredScheme, 'options'>): Record<string, EntityOverride> {
  const o = scheme.options.homeassistant;
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, EntityOverride>) : {};
}

/**
 * The entities of a scheme, each in its component, before the scheme's overrides other than
 * `component` are applied. Empty for a driver the registry does not have.
 */
export function schemeEntities(scheme: DiscoveredScheme, def: DriverDef, topics: Topics): SchemeEntity[] {
  const override = Object.hasOwn(driverOverrides, scheme.driver) ? driverOverrides[scheme.driver] : undefined;
  const wanted = overridesOf(scheme);
  const name = typeof scheme.options.name === 'string' && scheme.options.name ? scheme.options.name : scheme.id;
  const t: SchemeTopics = { state: topics.state(scheme.id), set: topics.set(scheme.id) };
  const dimmer = scheme.direction === 'output' ? override?.dimmer : undefined;
  const published = override?.published?.(scheme.options);
  const fields = fieldsOf(def, scheme.options).filter((f) => (!dimmer || f.name !== dimmer.level) && (!published || published.includes(f.name)));
  const single = fields.length === 1;
  const entities: SchemeEntity[] = fields.map((field) => {
    const component = wanted[field.name]?.component;
    let shape: EntityShape;
    if (dimmer && field.name === dimmer.state) shape = dimmerEntity(dimmer, t, component === 'fan' ? 'fan' : 'light');
    else if (scheme.direction === 'output') {
      shape = outputEntity(field, def as never, override, scheme.options);
      const fo = fieldOverride(override, field.name, scheme.options);
      if (fo?.position && shape.component === 'number' && (component === 'valve' || component === 'cover')) {
        shape = positionEntity(field.name, { min: shape.keys.min as number, max: shape.keys.max as number }, t, component);
      }
    } else shape = readOnlyEntity(field, override, scheme.options);
    return { key: field.name, shape, stateTopic: shape.stateless ? undefined : t.state, name: single ? name : `${name} ${label(field.name)}` };
  });
  // The dimmer's entity is the whole thing: it takes the scheme's name.
  for (const e of entities) if (e.shape.component === 'light' || e.shape.component === 'fan') e.name = name;
  const events = scheme.direction === 'input' ? eventEntity(override) : undefined;
  if (events) entities.push({ key: 'event', shape: events, stateTopic: topics.event(scheme.id), name: `${name} event` });
  const button = scheme.direction === 'output' ? buttonEntity(def as never, entities.map((e) => e.shape)) : undefined;
  if (button) entities.push({ key: 'press', shape: button, name });
  return entities;
}

/**
 * The fields a scheme publishes: the driver's, or, for a driver whose fields are the user's
 * (`http-json`, `command`: the keys of its `fields` option), those, of a type not known in advance.
 */
function fieldsOf(def: DriverDef, options: Record<string, unknown>): FieldDef[] {
  if (def.fields.length) return def.fields;
  const own = options.fields;
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return [];
  return Object.keys(own).map((name) => ({ name, type: 'string', description: name }));
}

/** Every config for one scheme; none for a driver the registry does not have or a scheme with `discovery: false`. */
export function schemeConfigs(scheme: DiscoveredScheme, o: BuildOptions): DiscoveryConfig[] {
  const def = o.registry.get(scheme.direction, scheme.driver);
  if (!def || scheme.options.discovery === false) return [];
  const override: DriverOverride | undefined = Object.hasOwn(driverOverrides, scheme.driver) ? driverOverrides[scheme.driver] : undefined;
  const wanted = overridesOf(scheme);
  const area = typeof scheme.options.area === 'string' && scheme.options.area ? scheme.options.area : undefined;

  return schemeEntities(scheme, def, o.topics).map(({ key, shape, stateTopic, name: entityName }) => {
    const objectId = `${slug(o.topics.node)}_${slug(scheme.id)}_${key}`;
    const config: Record<string, unknown> = {
      name: entityName,
      unique_id: `hanode_${o.topics.node}_${scheme.id}_${key}`,
      object_id: objectId,
      // Home Assistant 2025.10 replaced object_id with default_entity_id; older versions ignore it.
      default_entity_id: `${shape.component}.${objectId}`,
      state_topic: stateTopic,
      ...shape.keys,
      ...(scheme.direction === 'output' && shape.component !== 'sensor' && shape.component !== 'binary_sensor'
        ? { command_topic: o.topics.set(scheme.id) }
        : {}),
      entity_category: override?.entityCategory,
      ...applied(Object.hasOwn(wanted, key) ? wanted[key] : undefined),
      availability: [{ topic: o.topics.status }, { topic: o.topics.availability(scheme.id) }],
      availability_mode: 'all',
      qos: 1,
      device: withoutUndefined(area ? areaDeviceOf(o, area) : deviceOf(o)),
      origin: originOf(o),
    };
    return {
      topic: `${o.prefix}/${shape.component}/${o.topics.node}/${scheme.id}_${key}/config`,
      component: shape.component,
      scheme: scheme.id,
      field: key,
      config: withoutUndefined(shape.component === 'sensor' ? fitSensor(config, wanted[key]) : config),
    };
  });
}

/**
 * A sensor whose device class an override changed takes a state class that class allows (a field
 * made `energy` counts up; `enum` and `timestamp` have no unit and no state class). A state class
 * the scheme sets itself is left as it is: the loader has checked it.
 */
function fitSensor(config: Record<string, unknown>, override: EntityOverride | undefined): Record<string, unknown> {
  const dc = config.device_class as string | undefined;
  if (dc === undefined || override?.device_class === undefined) return config;
  if (NON_NUMERIC_SENSOR_CLASSES.has(dc)) return { ...config, unit_of_measurement: undefined, state_class: undefined };
  // A class without units (ph, aqi) drops the field's own; one the scheme sets stays, and the loader has refused it.
  if (override.unit_of_measurement === undefined && SENSOR_DEVICE_CLASSES[dc]?.every((u) => u === '')) config = { ...config, unit_of_measurement: undefined };
  if (override.state_class !== undefined) return config;
  const allowed = stateClassesFor(dc);
  if (allowed.includes(config.state_class as StateClass)) return config;
  return { ...config, state_class: allowed.includes('total_increasing') ? 'total_increasing' : allowed[0] };
}

/** The config keys an override sets; `component` is not one (it chose the shape). */
function applied(override: EntityOverride | undefined): Record<string, unknown> {
  if (!override) return {};
  const { component: _component, expire_after, ...keys } = override;
  // Home Assistant takes whole seconds.
  return { ...keys, ...(expire_after === undefined ? {} : { expire_after: Math.max(1, Math.round(expire_after / 1000)) }) };
}

/** The node's own entities, then every config for every scheme, in the order given. */
export function nodeConfigs(schemes: readonly DiscoveredScheme[], o: BuildOptions): DiscoveryConfig[] {
  return [...nodeEntityConfigs(o), ...schemes.flatMap((s) => schemeConfigs(s, o))];
}

/** What `DiscoveryConfig.scheme` says for the node's own entities: no scheme id starts with `$`. */
export const NODE_ENTITIES = '$node';

/**
 * The node's own entities, on its device: a restart button (`B/N/$request/restart`), connectivity
 * (from `B/N/status`, so it reads off when the node is gone), and, from the retained `B/N/$info`,
 * the outbox backlog, the readings the outbox dropped, and the version. Their discovery topics use
 * `_node_<key>`, which no `<S>_<field>` can be (scheme ids start with a letter or digit).
 */
export function nodeEntityConfigs(o: BuildOptions): DiscoveryConfig[] {
  const t = o.topics;
  const onStatus = [{ topic: t.status }];
  const entities: { key: string; component: Component; name: string; keys: Record<string, unknown> }[] = [
    {
      key: 'restart',
      component: 'button',
      name: 'Restart',
      keys: { command_topic: t.request('restart'), payload_press: '{}', device_class: 'restart', entity_category: 'config', availability: onStatus },
    },
    {
      key: 'connectivity',
      component: 'binary_sensor',
      name: 'Connectivity',
      // No availability: an offline node is what this entity shows, not a reason to hide it.
      keys: { state_topic: t.status, payload_on: 'online', payload_off: 'offline', device_class: 'connectivity', entity_category: 'diagnostic' },
    },
    {
      key: 'outbox_backlog',
      component: 'sensor',
      name: 'Outbox backlog',
      keys: {
        state_topic: t.info,
        value_template: '{{ value_json.outbox.backlog }}',
        unit_of_measurement: 'readings',
        state_class: 'measurement',
        icon: 'mdi:tray-full',
        entity_category: 'diagnostic',
        availability: onStatus,
      },
    },
    {
      key: 'outbox_dropped',
      component: 'sensor',
      name: 'Dropped readings',
      keys: {
        state_topic: t.info,
        value_template: '{{ value_json.outbox.dropped }}',
        unit_of_measurement: 'readings',
        state_class: 'total_increasing',
        icon: 'mdi:tray-remove',
        entity_category: 'diagnostic',
        availability: onStatus,
      },
    },
    {
      key: 'version',
      component: 'sensor',
      name: 'Version',
      keys: { state_topic: t.info, value_template: '{{ value_json.version }}', icon: 'mdi:tag', entity_category: 'diagnostic', availability: onStatus },
    },
  ];
  return entities.filter((e) => e.key !== 'restart' || o.node.restart !== false).map(({ key, component, name, keys }) => {
    const objectId = `${slug(t.node)}_${key}`;
    return {
      topic: `${o.prefix}/${component}/${t.node}/_node_${key}/config`,
      component,
      scheme: NODE_ENTITIES,
      field: key,
      config: {
        name,
        unique_id: `hanode_${t.node}_$node_${key}`,
        object_id: objectId,
        default_entity_id: `${component}.${objectId}`,
        ...keys,
        qos: 1,
        device: withoutUndefined(deviceOf(o)),
        origin: originOf(o),
      },
    };
  });
}

/** The node's own device: every scheme without an `area`, and the node's entities. */
function deviceOf(o: BuildOptions): Record<string, unknown> {
  return {
    identifiers: [`hanode_${o.topics.node}`],
    name: o.topics.node,
    model: o.node.model ?? 'hanode node',
    manufacturer: 'hanode',
    sw_version: o.node.version,
    configuration_url: o.node.configurationUrl,
  };
}

/**
 * The device of the schemes in one area: a node often has sensors in several rooms, and Home
 * Assistant puts a whole device in one area, so each area gets a device of its own, reached
 * through the node's (`via_device`), with the area as its `suggested_area`.
 */
function areaDeviceOf(o: BuildOptions, area: string): Record<string, unknown> {
  return {
    identifiers: [`hanode_${o.topics.node}_area_${areaSlug(area)}`],
    name: `${o.topics.node} ${area}`,
    model: o.node.model ?? 'hanode node',
    manufacturer: 'hanode',
    sw_version: o.node.version,
    suggested_area: area,
    via_device: `hanode_${o.topics.node}`,
    configuration_url: o.node.configurationUrl,
  };
}

/** `Living room` → `living_room`; areas that differ only in case or spacing share a device. */
export function areaSlug(area: string): string {
  return area.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_|_$/g, '') || '_';
}

function originOf(o: BuildOptions): Record<string, unknown> {
  return { name: 'hanode', sw_version: o.node.version, ...(o.node.url ? { support_url: o.node.url } : {}) };
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
