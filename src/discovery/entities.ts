/**
 * Which Home Assistant entity a driver field becomes. The choice is generic, from the field's
 * type, unit and device class and from what the output's `command` schema accepts, so a new
 * driver gets sensible entities without touching this file; the small table at the bottom only
 * adds what a driver's fields cannot say (ranges, events, a diagnostic category).
 */
import type { FieldDef, OutputDriverDef } from '../core/driver.js';
import { deviceClassesOf, flowClassOf, meterClassOf, METER_CLASSES, type Component, type StateClass } from './ha.js';

export type { Component };

/** An entity's component and the keys only that component has (the shared ones are added later). */
export interface EntityShape {
  component: Component;
  keys: Record<string, unknown>;
  /** No `state_topic`: the entity reads its state from topics in `keys` (a cover's position). */
  stateless?: boolean;
}

/** What a driver's field definitions cannot say. */
export interface DriverOverride {
  /** Every entity of the driver gets this `entity_category`. */
  entityCategory?: 'diagnostic' | 'config';
  /** Per field: a range for `number` entities (from the scheme's options where they set one), or another device class. */
  fields?: Record<string, FieldOverride | ((options: Record<string, unknown>) => FieldOverride)>;
  /** Momentary events the driver publishes on `B/N/S/event`; they become one `event` entity. */
  events?: string[];
  /**
   * An ON/OFF field and a 0–100 field that together are one dimmable thing: they become one
   * `light` entity (or a `fan`, when the scheme says so) instead of a switch and a number.
   */
  dimmer?: { state: string; level: string };
  /** The fields a scheme really publishes, when its options choose some (an expander's listed pins). */
  published?: (options: Record<string, unknown>) => string[] | undefined;
}

export interface FieldOverride {
  min?: number;
  max?: number;
  step?: number;
  deviceClass?: string;
  /** A unit the field's definition cannot give (a meter counts in the unit its scheme names). */
  unit?: string;
  stateClass?: StateClass;
  /** A settable position (a servo's angle): the scheme may make it a `valve` or a `cover`. */
  position?: boolean;
}

const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

/**
 * Kept small on purpose: only facts the drivers do not carry. Entries for drivers that are not in
 * the registry are never used.
 */
export const driverOverrides: Record<string, DriverOverride> = {
  system: { entityCategory: 'diagnostic' },
  servo: { fields: { angle: (o) => ({ min: num(o.min_angle, 0), max: num(o.max_angle, 180), step: 1, position: true }) } },
  button: { events: ['press', 'double_press', 'long_press'] },
  // `count` is the pulses of one interval, a measurement; `total` is the meter reading, in the
  // scheme's unit, so Home Assistant's Energy and Water dashboards can take it.
  'pulse-counter': {
    fields: {
      count: { stateClass: 'measurement' },
      total: (o) => ({ unit: str(o.unit), deviceClass: meterClassOf(str(o.unit)), stateClass: 'total_increasing' }),
      rate_per_min: (o) => (str(o.unit) ? { unit: `${o.unit}/min`, deviceClass: flowClassOf(`${o.unit}/min`), stateClass: 'measurement' } : {}),
    },
  },
  pwm: { dimmer: { state: 'state', level: 'brightness' } },
  'pcf8574-in': { published: listedPins },
  'mcp23017-in': { published: listedPins },
};

/** `pins: [0, 3]` → `p0`, `p3`: an expander input publishes only the pins it lists. */
function listedPins(options: Record<string, unknown>): string[] | undefined {
  return Array.isArray(options.pins) ? options.pins.map((p) => `p${p}`) : undefined;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

// Home Assistant rejects a whole config whose device_class it does not know, so only known ones pass.
const SENSOR_CLASSES = new Set(deviceClassesOf('sensor'));
const BINARY_CLASSES = new Set(deviceClassesOf('binary_sensor'));
const NUMBER_CLASSES = new Set(deviceClassesOf('number'));

/** Units as Home Assistant spells them, where hanode's differ (README "Topics" says `%RH`). */
const UNITS: Record<string, string> = { '%RH': '%' };

/**
 * Fields whose values only grow: a running total or counter. A `count` of one interval is a
 * measurement (it starts again at every reading).
 */
const COUNTER_NAME = /(^|_)(counter|total)$/;

export function haUnit(unit: string | undefined): string | undefined {
  return unit === undefined ? undefined : (UNITS[unit] ?? unit);
}

export function fieldOverride(override: DriverOverride | undefined, field: string, options: Record<string, unknown>): FieldOverride | undefined {
  const fo = override?.fields && Object.hasOwn(override.fields, field) ? override.fields[field] : undefined;
  return typeof fo === 'function' ? fo(options) : fo;
}

function deviceClass(field: FieldDef, known: Set<string>, override?: string): string | undefined {
  const wanted = override ?? field.deviceClass;
  return wanted && known.has(wanted) ? wanted : undefined;
}

const value = (field: string) => `{{ value_json.${field} }}`;

/** The state in the JSON, as ON/OFF for a boolean field. */
const onOff = (field: string) => `{{ 'ON' if value_json.${field} else 'OFF' }}`;

function isNumeric(field: FieldDef): boolean {
  return field.type === 'number' || field.type === 'integer';
}

/** A read-only entity: a sensor, or a binary sensor for on/off fields. */
export function readOnlyEntity(field: FieldDef, override: DriverOverride | undefined, options: Record<string, unknown> = {}): EntityShape {
  const fo = fieldOverride(override, field.name, options);
  if (field.type === 'state' || field.type === 'boolean') {
    return {
      component: 'binary_sensor',
      keys: {
        value_template: field.type === 'state' ? value(field.name) : onOff(field.name),
        payload_on: 'ON',
        payload_off: 'OFF',
        device_class: deviceClass(field, BINARY_CLASSES, fo?.deviceClass),
      },
    };
  }
  if (!isNumeric(field)) return { component: 'sensor', keys: { value_template: value(field.name) } };
  const dc = deviceClass(field, SENSOR_CLASSES, fo?.deviceClass);
  const counting = COUNTER_NAME.test(field.name) || (dc !== undefined && METER_CLASSES.has(dc));
  return {
    component: 'sensor',
    keys: {
      value_template: value(field.name),
      device_class: dc,
      unit_of_measurement: haUnit(fo?.unit ?? field.unit),
      state_class: fo?.stateClass ?? (counting ? 'total_increasing' : 'measurement'),
    },
  };
}

/**
 * An output field: a control when the driver's command schema takes a value under the field's
 * name, read-only otherwise. `state` goes out as plain ON/OFF (the mediator turns it into
 * `{state}`); anything else as a JSON command built by `command_template`.
 */
export function outputEntity(
  field: FieldDef,
  def: OutputDriverDef<any, any>,
  override: DriverOverride | undefined,
  options: Record<string, unknown> = {},
): EntityShape {
  // A field is a control only when the command schema names it and takes a value for it: a record
  // of free arguments (the command driver) or a result field (an email's `accepted`) stays read-only.
  const shape = (def.command as { shape?: Record<string, unknown> }).shape;
  const accepts = (command: Record<string, unknown>) =>
    shape !== undefined && Object.keys(command).every((k) => Object.hasOwn(shape, k)) && def.command.safeParse(command).success;
  const f = field.name;
  const fo = fieldOverride(override, f, options);
  if (field.type === 'state' || field.type === 'boolean') {
    const on = field.type === 'state' ? 'ON' : true;
    const template = f === 'state' && accepts({ state: 'ON' }) ? undefined : accepts({ [f]: on }) ? commandJson(f, field.type === 'state' ? 'text' : 'bool') : null;
    if (template === null) return readOnlyEntity(field, override, options);
    return {
      component: 'switch',
      keys: {
        value_template: field.type === 'state' ? value(f) : onOff(f),
        command_template: template,
        payload_on: 'ON',
        payload_off: 'OFF',
        state_on: 'ON',
        state_off: 'OFF',
      },
    };
  }
  if (isNumeric(field)) {
    const unit = haUnit(field.unit);
    if (!accepts({ [f]: 0 }) && !accepts({ [f]: 1 })) return readOnlyEntity(field, override, options);
    // Home Assistant ignores a state outside min..max (and defaults to 1..100), so a range is always given:
    // the override, else the bounds of the command schema, else the usual range for the unit, else a wide one.
    const range = { ...UNIT_RANGES[unit ?? ''], ...schemaRange(def.command, f), ...fo };
    const bounded = range.min !== undefined && range.max !== undefined;
    return {
      component: 'number',
      keys: {
        value_template: value(f),
        command_template: commandJson(f, 'number'),
        min: range.min ?? -WIDE,
        max: range.max ?? WIDE,
        step: range.step ?? (field.type === 'integer' ? 1 : undefined),
        mode: bounded ? 'slider' : 'box',
        unit_of_measurement: unit,
        device_class: deviceClass(field, NUMBER_CLASSES, fo?.deviceClass),
      },
    };
  }
  // Only a field the command takes under its own name is editable: a display's `text` is, the
  // `template` it reports beside it is not.
  if (!accepts({ [f]: 'hanode' })) return readOnlyEntity(field, override, options);
  return { component: 'text', keys: { value_template: value(f), command_template: commandJson(f, 'text'), max: 255 } };
}

const WIDE = 1_000_000;
const UNIT_RANGES: Record<string, FieldOverride> = { '%': { min: 0, max: 100, step: 1 }, '°': { min: 0, max: 180, step: 1 } };

/** The finite bounds a command schema puts on `key` (zod 4 number schemas carry them). */
function schemaRange(command: unknown, key: string): FieldOverride {
  let s = (command as { shape?: Record<string, unknown> }).shape?.[key] as any;
  for (let i = 0; i < 4 && s && ['optional', 'default', 'nullable'].includes(s.def?.type); i++) s = s.unwrap?.() ?? s.def?.innerType;
  if (s?.def?.type !== 'number') return {};
  const bound = (v: unknown) => (typeof v === 'number' && Math.abs(v) < Number.MAX_SAFE_INTEGER ? v : undefined);
  const out: FieldOverride = {};
  const min = bound(s.minValue);
  const max = bound(s.maxValue);
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  if (s.isInt) out.step = 1;
  return out;
}

/** A `command_template` that sends `{"<key>": value}`. */
function commandJson(key: string, kind: 'text' | 'number' | 'bool'): string {
  const v = kind === 'number' ? '{{ value }}' : kind === 'bool' ? "{{ 'true' if value == 'ON' else 'false' }}" : '{{ value | to_json }}';
  return `{"${key}": ${v}}`;
}

/**
 * A `button` for an output none of whose fields is a control but which acts on an empty command
 * (run a program, call a webhook): pressing it sends `{}` to `B/N/S/set`.
 */
export function buttonEntity(def: OutputDriverDef<any, any>, controls: readonly EntityShape[]): EntityShape | undefined {
  if (controls.some((e) => e.component !== 'sensor' && e.component !== 'binary_sensor')) return undefined;
  if (!def.command.safeParse({}).success) return undefined;
  return { component: 'button', keys: { payload_press: '{}' } };
}

/** The `event` entity of a driver that publishes momentary events, if it has one. */
export function eventEntity(override: DriverOverride | undefined): EntityShape | undefined {
  if (!override?.events?.length) return undefined;
  return {
    component: 'event',
    keys: { event_types: override.events, value_template: '{ "event_type": "{{ value_json.event }}" }' },
  };
}

/** The topics an entity that reads and sets one scheme uses. */
export interface SchemeTopics {
  state: string;
  set: string;
}

/**
 * The dimmable thing of a driver with a `dimmer` entry (a pwm lamp): a `light` with brightness, or,
 * when the scheme says so, a `fan` with a speed in %. Turning on without a level sends `ON` (the
 * driver comes back at its last level); a level goes out alone as `{"<level>": n}` in 0–100; off
 * sends `OFF`. Those are the payloads the driver's `/set` takes.
 */
export function dimmerEntity(dimmer: NonNullable<DriverOverride['dimmer']>, t: SchemeTopics, component: 'light' | 'fan' = 'light'): EntityShape {
  const level = `{"${dimmer.level}": {{ value }}}`;
  if (component === 'fan') {
    return {
      component: 'fan',
      keys: {
        state_value_template: value(dimmer.state),
        payload_on: 'ON',
        payload_off: 'OFF',
        percentage_command_topic: t.set,
        percentage_command_template: level,
        percentage_state_topic: t.state,
        percentage_value_template: value(dimmer.level),
        speed_range_min: 1,
        speed_range_max: 100,
      },
    };
  }
  return {
    component: 'light',
    keys: {
      state_value_template: value(dimmer.state),
      payload_on: 'ON',
      payload_off: 'OFF',
      on_command_type: 'brightness',
      brightness_command_topic: t.set,
      brightness_command_template: level,
      brightness_state_topic: t.state,
      brightness_value_template: value(dimmer.level),
      brightness_scale: 100,
    },
  };
}

/**
 * A settable position (a servo's angle) as a `valve` or a `cover`: Home Assistant's 0–100 % maps
 * onto min..max of the field, open is max and closed is min, and every command goes out as
 * `{"<field>": n}`. Neither can stop mid-way, so no stop command is offered.
 */
export function positionEntity(field: string, range: { min: number; max: number }, t: SchemeTopics, component: 'valve' | 'cover'): EntityShape {
  const command = `{"${field}": {{ value }}}`;
  if (component === 'valve') {
    return {
      component: 'valve',
      keys: { value_template: value(field), reports_position: true, position_closed: range.min, position_open: range.max, command_template: command },
    };
  }
  return {
    component: 'cover',
    // The state comes from the position: B/N/S is JSON, not an open/closed word.
    stateless: true,
    keys: {
      position_topic: t.state,
      position_template: value(field),
      position_closed: range.min,
      position_open: range.max,
      set_position_topic: t.set,
      set_position_template: command,
      payload_open: `{"${field}": ${range.max}}`,
      payload_close: `{"${field}": ${range.min}}`,
      payload_stop: null,
    },
  };
}
