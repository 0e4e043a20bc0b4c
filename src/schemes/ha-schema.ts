/**
 * The Home Assistant options every scheme has (README "Home Assistant"): `area`, `discovery` and
 * `homeassistant`, the overrides per field. What the values mean for each entity (is this device
 * class one a binary sensor takes, does this unit fit it) is checked once the driver is known,
 * in src/discovery/check.ts.
 */
import { z } from 'zod';
import { ENTITY_CATEGORIES, STATE_CLASSES } from '../discovery/ha.js';
import { duration } from './pieces.js';
import { MAX_HA_OVERRIDES } from '../core/limits.js';

const override = z
  .strictObject({
    component: z
      .enum(['number', 'valve', 'cover', 'light', 'fan'])
      .optional()
      .describe('A settable position (servo angle) as number, valve or cover; a dimmer (pwm) as light or fan'),
    device_class: z.string().min(1).max(64).optional().describe("Home Assistant's device class for the entity (motion, water, energy …)"),
    unit_of_measurement: z.string().min(1).max(32).optional().describe('Unit as Home Assistant spells it (L, m³, kWh …)'),
    state_class: z.enum(STATE_CLASSES).optional().describe('measurement, total or total_increasing (meters)'),
    icon: z.string().max(64).regex(/^mdi:[a-z0-9-]+$/, 'expected a Material Design icon such as mdi:water-pump').optional(),
    name: z.string().min(1).max(64).optional().describe('Entity name'),
    entity_category: z.enum(ENTITY_CATEGORIES).optional().describe('diagnostic, or config for settings'),
    enabled_by_default: z.boolean().optional().describe('false: the entity starts disabled in Home Assistant'),
    suggested_display_precision: z.number().int().min(0).max(10).optional().describe('Decimals Home Assistant shows'),
    expire_after: duration('Show the entity unavailable when no reading came for this long', { min: 1_000, max: 24 * 3_600_000 }).optional(),
  })
  .describe('Home Assistant overrides of one entity')
  .meta({ id: 'hanode-ha-override' });

export const homeassistantOptions = {
  area: z.string().trim().min(1).max(64).optional().describe("Home Assistant area of the scheme's entities (a device per area)").meta({ examples: ['Hall'] }),
  discovery: z.boolean().default(true).describe('false: no Home Assistant entities for this scheme (and earlier ones are removed)'),
  homeassistant: z
    .record(z.string().regex(/^[a-z0-9_]{1,64}$/, 'expected a field name such as temperature'), override)
    .refine((r) => Object.keys(r).length <= MAX_HA_OVERRIDES, { message: `expected at most ${MAX_HA_OVERRIDES} fields` })
    .optional()
    .describe('Home Assistant overrides per field: device_class, unit_of_measurement, state_class, icon, name, entity_category, enabled_by_default, suggested_display_precision, expire_after')
    .meta({ examples: [{ state: { device_class: 'motion' } }] }),
};
