/**
 * The checks of a scheme's `homeassistant:` overrides that need to know which entity each field
 * becomes: the field exists, the key applies to that component, and the device class, unit and
 * state class are ones Home Assistant accepts together. The loader turns these into
 * `FILE:LINE:COL` problems, so a wrong class is caught before Home Assistant drops the entity.
 */
import type { DriverDef } from '../core/driver.js';
import { didYouMean } from '../core/suggest.js';
import { topicsFor } from '../core/topics.js';
import { overridesOf, schemeEntities, type DiscoveredScheme, type EntityOverride } from './configs.js';
import { driverOverrides, fieldOverride } from './entities.js';
import {
  COMMON_OVERRIDE_KEYS,
  deviceClassesOf,
  NON_NUMERIC_SENSOR_CLASSES,
  OVERRIDE_KEYS_OF,
  READ_ONLY_COMPONENTS,
  SENSOR_DEVICE_CLASSES,
  stateClassesFor,
  type Component,
  type StateClass,
} from './ha.js';

export interface OverrideProblem {
  /** Below the scheme entry: `['homeassistant', field, key?]`. */
  path: (string | number)[];
  at: 'key' | 'value';
  message: string;
  /** Set on messages that list every allowed value, so none is cut off; what they quote of the file is short. */
  maxChars?: number;
}

/** Room for the longest list (the 60 sensor device classes) after the value quoted, itself at most 64 characters. */
const LISTING = 1_200;

/** A unit the user meant: `m3` for `m³`, `F` for `°F`, `kwh` for `kWh`. */
function unitHint(unit: string, units: readonly string[]): string {
  const plain = (u: string) => u.toLowerCase().replace(/°/g, '').replace(/³/g, '3').replace(/²/g, '2').replace(/µ/g, 'u');
  const match = units.find((u) => u && plain(u) === plain(unit));
  return match ? `; did you mean '${match}'?` : '';
}

/** An article for a component name, for messages ("a sensor", "an event"). */
const a = (c: string) => `${/^[aeiou]/.test(c) ? 'an' : 'a'} ${c}`;

const list = (values: readonly string[]) => values.map((v) => (v === '' ? '(none)' : v)).join(', ');

/** Every problem of the overrides of a scheme whose options have passed the schema. */
export function overrideProblems(scheme: DiscoveredScheme, def: DriverDef): OverrideProblem[] {
  const overrides = overridesOf(scheme);
  const keys = Object.keys(overrides);
  if (!keys.length) return [];
  const problems: OverrideProblem[] = [];
  const driverOverride = Object.hasOwn(driverOverrides, scheme.driver) ? driverOverrides[scheme.driver] : undefined;
  const dimmer = scheme.direction === 'output' ? driverOverride?.dimmer : undefined;
  const entities = new Map(schemeEntities(scheme, def, topicsFor('b', 'n')).map((e) => [e.key, e]));
  const names = [...entities.keys()];

  for (const key of keys) {
    const o = overrides[key]!;
    const entity = entities.get(key);
    const at = (k?: keyof EntityOverride) => ['homeassistant', key, ...(k ? [k] : [])];
    if (!entity) {
      const message =
        dimmer && key === dimmer.level
          ? `${key} is part of the ${dimmer.state} entity of a ${scheme.driver} (one light with brightness); put its overrides under ${dimmer.state}`
          : `no entity '${key}' on this ${scheme.driver} scheme${didYouMean(key, names) || ';'} its entities are ${names.join(', ')}`;
      problems.push({ path: at(), at: 'key', message, maxChars: LISTING });
      continue;
    }
    const component = entity.shape.component;
    const is = `${scheme.id} ${key} is ${a(component)}`;

    if (o.component !== undefined) {
      const choices = componentChoices(scheme, key, dimmer);
      if (!choices.includes(o.component)) {
        problems.push({
          path: at('component'),
          at: 'value',
          message: choices.length > 1 ? `expected one of ${choices.join(', ')} for ${key}, got "${o.component}"` : `${key} is always ${a(component)}: only a settable position (a servo's angle: number, valve or cover) or a dimmer (pwm: light or fan) can choose its component`,
        });
        continue;
      }
    }

    const allowedKeys = [...COMMON_OVERRIDE_KEYS, ...OVERRIDE_KEYS_OF[component]];
    for (const k of Object.keys(o) as (keyof EntityOverride)[]) {
      if (k === 'component' || allowedKeys.includes(k)) continue;
      problems.push({ path: at(k), at: 'key', message: `${k} does not apply: ${is}, which takes ${allowedKeys.join(', ')}` });
    }
    if (o.entity_category === 'config' && READ_ONLY_COMPONENTS.has(component)) {
      problems.push({ path: at('entity_category'), at: 'value', message: `${is}, which Home Assistant only takes as diagnostic, not config (config is for settings you can change)` });
    }

    let dcProblem = false;
    if (o.device_class !== undefined && allowedKeys.includes('device_class')) {
      const classes = deviceClassesOf(component);
      if (!classes.includes(o.device_class)) {
        dcProblem = true;
        problems.push({
          path: at('device_class'),
          at: 'value',
          message: `unknown device_class "${o.device_class}" for ${a(component)} (${scheme.id} ${key})${didYouMean(o.device_class, classes) || ';'} expected one of ${classes.join(', ')}`,
          maxChars: LISTING,
        });
      }
    }
    if (dcProblem || (component !== 'sensor' && component !== 'number')) continue;
    problems.push(...unitProblems(entity.shape.keys, o, component, at));
  }
  return problems;
}

/** The components a field may be made: a dimmer light or fan, a position number, valve or cover. */
function componentChoices(scheme: DiscoveredScheme, key: string, dimmer: { state: string } | undefined): Component[] {
  if (dimmer && key === dimmer.state) return ['light', 'fan'];
  const fo = fieldOverride(Object.hasOwn(driverOverrides, scheme.driver) ? driverOverrides[scheme.driver] : undefined, key, scheme.options);
  return fo?.position ? ['number', 'valve', 'cover'] : [];
}

/** A sensor's or number's unit and state class against its device class. */
function unitProblems(
  defaults: Record<string, unknown>,
  o: EntityOverride,
  component: 'sensor' | 'number',
  at: (k?: keyof EntityOverride) => (string | number)[],
): OverrideProblem[] {
  const problems: OverrideProblem[] = [];
  const dc = o.device_class ?? (defaults.device_class as string | undefined);
  const units0 = dc === undefined ? undefined : SENSOR_DEVICE_CLASSES[dc];
  // A class without units drops the field's own (as the config builder does); only one the scheme sets counts.
  const unitless = !!units0 && units0.every((u) => u === '');
  const unit = o.unit_of_measurement ?? (unitless ? undefined : (defaults.unit_of_measurement as string | undefined));
  // Point at what the scheme wrote: the unit when it set one, else the device class.
  const blame = (k: keyof EntityOverride) => (o[k] !== undefined ? at(k) : o.unit_of_measurement !== undefined ? at('unit_of_measurement') : at('device_class'));
  if (dc !== undefined && (o.device_class !== undefined || o.unit_of_measurement !== undefined)) {
    const units = SENSOR_DEVICE_CLASSES[dc];
    if (units && (NON_NUMERIC_SENSOR_CLASSES.has(dc) || unitless)) {
      if (o.unit_of_measurement !== undefined) problems.push({ path: at('unit_of_measurement'), at: 'value', message: `device_class ${dc} has no unit; leave unit_of_measurement out` });
    } else if (units && unit === undefined && !units.includes('')) {
      problems.push({ path: blame('device_class'), at: 'value', message: `device_class ${dc} needs a unit_of_measurement: one of ${list(units)}`, maxChars: LISTING });
    } else if (units && unit !== undefined && !units.includes(unit)) {
      problems.push({
        path: blame('unit_of_measurement'),
        at: 'value',
        message: `unit "${unit}" is not one Home Assistant takes for device_class ${dc}${unitHint(unit, units) || ';'} expected one of ${list(units)}`,
        maxChars: LISTING,
      });
    }
  }
  if (component === 'sensor' && o.state_class !== undefined) {
    const allowed = stateClassesFor(dc);
    if (!allowed.includes(o.state_class as StateClass)) {
      problems.push({
        path: at('state_class'),
        at: 'value',
        message: allowed.length
          ? `device_class ${dc} takes state_class ${allowed.join(' or ')}, not ${o.state_class}`
          : `device_class ${dc} has no state_class; leave it out`,
      });
    }
  }
  return problems;
}
