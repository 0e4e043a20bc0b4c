/**
 * What Home Assistant accepts in an MQTT discovery config, in one place: the device classes of
 * each component, the units each sensor device class takes, and the state classes that fit it.
 * Home Assistant drops a whole config with a device class it does not know, and keeps a sensor
 * whose unit or state class does not fit its class out of the Energy dashboard and the statistics,
 * so scheme overrides are checked against these lists when the file loads.
 */

/** The components hanode publishes. */
export type Component = 'sensor' | 'binary_sensor' | 'switch' | 'number' | 'text' | 'button' | 'event' | 'light' | 'fan' | 'valve' | 'cover';

const words = (s: string) => s.trim().split(/\s+/);

const VOLUME = ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF', 'MCF'];
const ENERGY = words('J kJ MJ GJ mWh Wh kWh MWh GWh TWh cal kcal Mcal Gcal');
const PRESSURE = words('Pa kPa hPa cbar bar mbar mmHg inHg psi');
const SPEED = words('ft/s in/d in/h in/s km/h kn m/s mph mm/d mm/s');
const MICROGRAMS = ['µg/m³'];

/**
 * Every sensor device class and the units it takes (`''`: no unit; `null`: any, a currency for
 * `monetary`). From Home Assistant's sensor documentation.
 */
export const SENSOR_DEVICE_CLASSES: Readonly<Record<string, readonly string[] | null>> = {
  absolute_humidity: ['g/m³', 'mg/m³'],
  apparent_power: ['mVA', 'VA', 'kVA'],
  aqi: [''],
  area: words('m² cm² km² mm² in² ft² yd² mi² ac ha'),
  atmospheric_pressure: PRESSURE,
  battery: ['%'],
  blood_glucose_concentration: ['mg/dL', 'mmol/L'],
  carbon_dioxide: ['ppm'],
  carbon_monoxide: ['ppm', 'ppb', 'mg/m³', 'µg/m³'],
  conductivity: ['S/cm', 'mS/cm', 'µS/cm'],
  current: ['A', 'mA'],
  data_rate: words('bit/s kbit/s Mbit/s Gbit/s B/s kB/s MB/s GB/s KiB/s MiB/s GiB/s'),
  data_size: words('bit kbit Mbit Gbit B kB MB GB TB PB EB ZB YB KiB MiB GiB TiB PiB EiB ZiB YiB'),
  date: [''],
  distance: words('km m cm mm mi nmi yd in ft'),
  duration: words('d h min s ms µs'),
  energy: ENERGY,
  energy_distance: ['kWh/100km', 'Wh/km', 'mi/kWh', 'km/kWh'],
  energy_storage: ENERGY,
  enum: [''],
  frequency: ['Hz', 'kHz', 'MHz', 'GHz'],
  gas: ['L', 'm³', 'ft³', 'CCF', 'MCF'],
  humidity: ['%'],
  illuminance: ['lx'],
  irradiance: ['W/m²', 'BTU/(h⋅ft²)'],
  moisture: ['%'],
  monetary: null,
  nitrogen_dioxide: ['µg/m³', 'ppb', 'ppm'],
  nitrogen_monoxide: ['µg/m³', 'ppb'],
  nitrous_oxide: MICROGRAMS,
  ozone: ['µg/m³', 'ppb', 'ppm'],
  ph: [''],
  pm1: MICROGRAMS,
  pm10: MICROGRAMS,
  pm25: MICROGRAMS,
  power: words('mW W kW MW GW TW BTU/h'),
  power_factor: ['%', ''],
  precipitation: ['cm', 'in', 'mm'],
  precipitation_intensity: ['in/d', 'in/h', 'mm/d', 'mm/h'],
  pressure: PRESSURE,
  reactive_energy: ['varh', 'kvarh'],
  reactive_power: ['mvar', 'var', 'kvar'],
  signal_strength: ['dB', 'dBm'],
  sound_pressure: ['dB', 'dBA'],
  speed: SPEED,
  sulphur_dioxide: ['µg/m³', 'ppb'],
  temperature: ['°C', '°F', 'K'],
  timestamp: [''],
  volatile_organic_compounds: ['µg/m³', 'mg/m³'],
  volatile_organic_compounds_parts: ['ppm', 'ppb'],
  voltage: ['µV', 'mV', 'V', 'kV', 'MV'],
  volume: VOLUME,
  volume_flow_rate: words('m³/h m³/min m³/s ft³/min L/h L/min L/s gal/h gal/min gal/d mL/s'),
  volume_storage: VOLUME,
  water: ['L', 'gal', 'm³', 'ft³', 'CCF', 'MCF'],
  weight: ['kg', 'g', 'mg', 'µg', 'oz', 'lb', 'st'],
  wind_direction: ['°'],
  wind_speed: ['Beaufort', ...SPEED],
};

/** Sensor classes whose state is not a number: no unit, no state class. */
export const NON_NUMERIC_SENSOR_CLASSES: ReadonlySet<string> = new Set(['date', 'enum', 'timestamp']);

export const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'] as const;
export type StateClass = (typeof STATE_CLASSES)[number];

/** The state classes a sensor device class allows, where it does not allow just `measurement`. */
const STATE_CLASSES_OF: Readonly<Record<string, readonly StateClass[]>> = {
  area: ['measurement', 'total', 'total_increasing'],
  data_size: ['measurement', 'total', 'total_increasing'],
  distance: ['measurement', 'total', 'total_increasing'],
  duration: ['measurement', 'total', 'total_increasing'],
  energy: ['total', 'total_increasing'],
  gas: ['total', 'total_increasing'],
  monetary: ['total'],
  precipitation: ['measurement', 'total', 'total_increasing'],
  reactive_energy: ['total', 'total_increasing'],
  volume: ['total', 'total_increasing'],
  water: ['total', 'total_increasing'],
  wind_direction: ['measurement_angle'],
};

/** The state classes a sensor with this device class (or none) may have. */
export function stateClassesFor(deviceClass: string | undefined): readonly StateClass[] {
  if (deviceClass === undefined) return ['measurement', 'total', 'total_increasing'];
  if (NON_NUMERIC_SENSOR_CLASSES.has(deviceClass)) return [];
  return STATE_CLASSES_OF[deviceClass] ?? ['measurement'];
}

const numericSensorClasses = Object.keys(SENSOR_DEVICE_CLASSES).filter((c) => !NON_NUMERIC_SENSOR_CLASSES.has(c));

/** The device classes of each component; a component not listed takes none. */
export const DEVICE_CLASSES: Readonly<Partial<Record<Component, readonly string[]>>> = {
  sensor: Object.keys(SENSOR_DEVICE_CLASSES),
  number: numericSensorClasses.filter((c) => c !== 'energy_distance'),
  binary_sensor: words(
    'battery battery_charging carbon_monoxide cold connectivity door garage_door gas heat light lock moisture motion moving ' +
      'occupancy opening plug power presence problem running safety smoke sound tamper update vibration window',
  ),
  switch: ['outlet', 'switch'],
  button: ['identify', 'restart', 'update'],
  event: ['button', 'doorbell', 'motion'],
  cover: words('awning blind curtain damper door garage gate shade shutter window'),
  valve: ['water', 'gas'],
};

export function deviceClassesOf(component: Component): readonly string[] {
  return DEVICE_CLASSES[component] ?? [];
}

/** Sensor device classes whose readings only add up (meters): `total_increasing` by default. */
export const METER_CLASSES: ReadonlySet<string> = new Set(['energy', 'gas', 'water', 'volume', 'reactive_energy']);

/** A meter's device class from the unit it counts in: litres and cubic metres of water, watt-hours of energy. */
export function meterClassOf(unit: string | undefined): string | undefined {
  if (unit === undefined) return undefined;
  if ((SENSOR_DEVICE_CLASSES.water as readonly string[]).includes(unit)) return 'water';
  if (ENERGY.includes(unit)) return 'energy';
  if ((SENSOR_DEVICE_CLASSES.reactive_energy as readonly string[]).includes(unit)) return 'reactive_energy';
  return undefined;
}

/** Whether a rate unit (`L/min`) is one Home Assistant's volume flow class takes. */
export function flowClassOf(unit: string | undefined): string | undefined {
  return unit !== undefined && (SENSOR_DEVICE_CLASSES.volume_flow_rate as readonly string[]).includes(unit) ? 'volume_flow_rate' : undefined;
}

export const ENTITY_CATEGORIES = ['diagnostic', 'config'] as const;

/** Components that show a state only: Home Assistant refuses `entity_category: config` on them. */
export const READ_ONLY_COMPONENTS: ReadonlySet<Component> = new Set(['sensor', 'binary_sensor']);

/**
 * Which per-entity override keys each component takes (Home Assistant rejects keys a component
 * does not know). `name`, `icon`, `entity_category` and `enabled_by_default` go on every one.
 */
export const OVERRIDE_KEYS_OF: Readonly<Record<Component, readonly string[]>> = {
  sensor: ['device_class', 'unit_of_measurement', 'state_class', 'suggested_display_precision', 'expire_after'],
  binary_sensor: ['device_class', 'expire_after'],
  switch: ['device_class'],
  number: ['device_class', 'unit_of_measurement'],
  text: [],
  button: ['device_class'],
  event: ['device_class'],
  light: [],
  fan: [],
  valve: ['device_class'],
  cover: ['device_class'],
};

export const COMMON_OVERRIDE_KEYS = ['name', 'icon', 'entity_category', 'enabled_by_default'] as const;
