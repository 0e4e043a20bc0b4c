/**
 * Home Assistant's MQTT discovery schema, written down for the tests from Home Assistant's
 * documentation (MQTT integrations per component, and the sensor device class table with the units
 * and state classes each class takes). It is kept apart from src/discovery on purpose: the tests
 * check hanode's configs against this, not against hanode's own lists.
 * `haProblems` returns every way a config breaks it, so a failure lists them all.
 */

const w = (s: string) => s.trim().split(/\s+/);

/** Keys every MQTT entity may have. */
const COMMON = w(`
  name unique_id object_id default_entity_id icon entity_category enabled_by_default availability availability_mode
  availability_topic payload_available payload_not_available device origin qos json_attributes_topic
  json_attributes_template entity_picture encoding
`);

interface ComponentSchema {
  required: string[];
  optional: string[];
  deviceClasses?: string[];
}

const COMPONENTS: Record<string, ComponentSchema> = {
  sensor: {
    required: ['state_topic'],
    optional: w('value_template device_class unit_of_measurement state_class suggested_display_precision expire_after force_update last_reset_value_template options'),
  },
  binary_sensor: {
    required: ['state_topic'],
    optional: w('value_template device_class payload_on payload_off expire_after force_update off_delay'),
    deviceClasses: w(`battery battery_charging carbon_monoxide cold connectivity door garage_door gas heat light lock moisture motion
      moving occupancy opening plug power presence problem running safety smoke sound tamper update vibration window`),
  },
  switch: {
    required: ['command_topic'],
    optional: w('state_topic value_template command_template device_class payload_on payload_off state_on state_off optimistic retain'),
    deviceClasses: ['outlet', 'switch'],
  },
  number: {
    required: ['command_topic'],
    optional: w('state_topic value_template command_template device_class unit_of_measurement min max step mode optimistic retain payload_reset'),
  },
  text: {
    required: ['command_topic'],
    optional: w('state_topic value_template command_template min max mode pattern optimistic retain'),
  },
  button: {
    required: ['command_topic'],
    optional: w('command_template payload_press device_class retain'),
    deviceClasses: ['identify', 'restart', 'update'],
  },
  event: {
    required: ['state_topic', 'event_types'],
    optional: w('value_template device_class'),
    deviceClasses: ['button', 'doorbell', 'motion'],
  },
  light: {
    required: ['command_topic'],
    optional: w(`schema state_topic state_value_template payload_on payload_off on_command_type brightness_command_topic
      brightness_command_template brightness_state_topic brightness_value_template brightness_scale optimistic retain`),
  },
  fan: {
    required: ['command_topic'],
    optional: w(`state_topic state_value_template command_template payload_on payload_off percentage_command_topic
      percentage_command_template percentage_state_topic percentage_value_template speed_range_min speed_range_max optimistic retain`),
  },
  valve: {
    required: [],
    optional: w(`command_topic command_template state_topic value_template reports_position position_open position_closed
      payload_open payload_close payload_stop state_open state_closed state_opening state_closing device_class optimistic retain`),
    deviceClasses: ['water', 'gas'],
  },
  cover: {
    required: [],
    optional: w(`command_topic state_topic value_template position_topic position_template position_open position_closed
      set_position_topic set_position_template payload_open payload_close payload_stop state_open state_closed state_opening
      state_closing state_stopped tilt_command_topic device_class optimistic retain`),
    deviceClasses: w('awning blind curtain damper door garage gate shade shutter window'),
  },
};

const PRESSURE = w('Pa kPa hPa cbar bar mbar mmHg inHg psi');
const ENERGY = w('J kJ MJ GJ mWh Wh kWh MWh GWh TWh cal kcal Mcal Gcal');
const SPEED = w('ft/s in/d in/h in/s km/h kn m/s mph mm/d mm/s');
const VOLUME = ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF', 'MCF'];

/** Sensor device classes → the units Home Assistant's table lists (`null`: no unit; `'*'`: any). */
const SENSOR_UNITS: Record<string, (string | null)[] | '*'> = {
  absolute_humidity: ['g/m³', 'mg/m³'],
  apparent_power: ['mVA', 'VA', 'kVA'],
  aqi: [null],
  area: w('m² cm² km² mm² in² ft² yd² mi² ac ha'),
  atmospheric_pressure: PRESSURE,
  battery: ['%'],
  blood_glucose_concentration: ['mg/dL', 'mmol/L'],
  carbon_dioxide: ['ppm'],
  carbon_monoxide: ['ppm', 'ppb', 'mg/m³', 'µg/m³'],
  conductivity: ['S/cm', 'mS/cm', 'µS/cm'],
  current: ['A', 'mA'],
  data_rate: w('bit/s kbit/s Mbit/s Gbit/s B/s kB/s MB/s GB/s KiB/s MiB/s GiB/s'),
  data_size: w('bit kbit Mbit Gbit B kB MB GB TB PB EB ZB YB KiB MiB GiB TiB PiB EiB ZiB YiB'),
  date: [null],
  distance: w('km m cm mm mi nmi yd in ft'),
  duration: w('d h min s ms µs'),
  energy: ENERGY,
  energy_distance: ['kWh/100km', 'Wh/km', 'mi/kWh', 'km/kWh'],
  energy_storage: ENERGY,
  enum: [null],
  frequency: w('Hz kHz MHz GHz'),
  gas: ['L', 'm³', 'ft³', 'CCF', 'MCF'],
  humidity: ['%'],
  illuminance: ['lx'],
  irradiance: ['W/m²', 'BTU/(h⋅ft²)'],
  moisture: ['%'],
  monetary: '*',
  nitrogen_dioxide: ['µg/m³', 'ppb', 'ppm'],
  nitrogen_monoxide: ['µg/m³', 'ppb'],
  nitrous_oxide: ['µg/m³'],
  ozone: ['µg/m³', 'ppb', 'ppm'],
  ph: [null],
  pm1: ['µg/m³'],
  pm10: ['µg/m³'],
  pm25: ['µg/m³'],
  power: w('mW W kW MW GW TW BTU/h'),
  power_factor: ['%', null],
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
  timestamp: [null],
  volatile_organic_compounds: ['µg/m³', 'mg/m³'],
  volatile_organic_compounds_parts: ['ppm', 'ppb'],
  voltage: w('µV mV V kV MV'),
  volume: VOLUME,
  volume_flow_rate: w('m³/h m³/min m³/s ft³/min L/h L/min L/s gal/h gal/min gal/d mL/s'),
  volume_storage: VOLUME,
  water: ['L', 'gal', 'm³', 'ft³', 'CCF', 'MCF'],
  weight: w('kg g mg µg oz lb st'),
  wind_direction: ['°'],
  wind_speed: ['Beaufort', ...SPEED],
};

/** The state classes a sensor device class allows (Home Assistant's DEVICE_CLASS_STATE_CLASSES); others: measurement. */
const SENSOR_STATE_CLASSES: Record<string, string[]> = {
  area: ['measurement', 'total', 'total_increasing'],
  data_size: ['measurement', 'total', 'total_increasing'],
  date: [],
  distance: ['measurement', 'total', 'total_increasing'],
  duration: ['measurement', 'total', 'total_increasing'],
  energy: ['total', 'total_increasing'],
  enum: [],
  gas: ['total', 'total_increasing'],
  monetary: ['total'],
  precipitation: ['measurement', 'total', 'total_increasing'],
  reactive_energy: ['total', 'total_increasing'],
  timestamp: [],
  volume: ['total', 'total_increasing'],
  water: ['total', 'total_increasing'],
  wind_direction: ['measurement_angle'],
};

const NUMBER_CLASSES = Object.keys(SENSOR_UNITS).filter((c) => !['date', 'enum', 'timestamp', 'energy_distance'].includes(c));
COMPONENTS.sensor!.deviceClasses = Object.keys(SENSOR_UNITS);
COMPONENTS.number!.deviceClasses = NUMBER_CLASSES;

const DEVICE_KEYS = w('identifiers connections name model model_id manufacturer sw_version hw_version serial_number suggested_area via_device configuration_url');
const ORIGIN_KEYS = w('name sw_version support_url');

/** An MQTT topic to publish or subscribe to exactly: no wildcards, not empty. */
const isTopic = (t: unknown) => typeof t === 'string' && t.length > 0 && !/[#+]/.test(t);
const isUrl = (u: unknown) => typeof u === 'string' && /^(https?:\/\/[^\s/]+(\/\S*)?|homeassistant:\/\/\S+)$/.test(u);
const isInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n);

/** The component of a discovery topic `<prefix>/<component>/<node>/<object>/config`. */
export function componentOf(topic: string): string | undefined {
  return /^[^/]+\/([a-z_]+)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/.exec(topic)?.[1];
}

/** Every way `config`, published on `topic`, breaks Home Assistant's discovery schema. */
export function haProblems(topic: string, config: Record<string, any>): string[] {
  const problems: string[] = [];
  const fail = (m: string) => problems.push(`${topic}: ${m}`);
  const component = componentOf(topic);
  if (!component) return [`${topic}: not a <prefix>/<component>/<node_id>/<object_id>/config topic`];
  const schema = COMPONENTS[component];
  if (!schema) return [`${topic}: ${component} is not a component hanode should publish`];

  for (const key of schema.required) if (config[key] === undefined) fail(`${component} without ${key}`);
  const known = new Set([...COMMON, ...schema.required, ...schema.optional]);
  for (const key of Object.keys(config)) if (!known.has(key)) fail(`${key} is not a ${component} option`);
  for (const key of Object.keys(config)) if (/_topic$/.test(key) && key !== 'availability_topic' && !isTopic(config[key])) fail(`${key} ${JSON.stringify(config[key])} is not a topic`);
  if (typeof config.unique_id !== 'string' || !config.unique_id) fail('no unique_id');
  if (config.name !== null && (typeof config.name !== 'string' || !config.name)) fail('name must be text or null');
  if (config.icon !== undefined && !/^mdi:[a-z0-9-]+$/.test(config.icon)) fail(`icon ${config.icon}`);
  if (config.qos !== undefined && ![0, 1, 2].includes(config.qos)) fail(`qos ${config.qos}`);
  if (config.enabled_by_default !== undefined && typeof config.enabled_by_default !== 'boolean') fail('enabled_by_default is not true/false');
  if (config.entity_category !== undefined) {
    if (!['diagnostic', 'config'].includes(config.entity_category)) fail(`entity_category ${config.entity_category}`);
    if (config.entity_category === 'config' && (component === 'sensor' || component === 'binary_sensor')) fail(`a ${component} cannot be entity_category config`);
  }
  if (config.availability !== undefined) {
    if (!Array.isArray(config.availability) || !config.availability.every((a: any) => isTopic(a?.topic))) fail(`availability ${JSON.stringify(config.availability)}`);
  }
  if (config.availability_mode !== undefined && !['all', 'any', 'latest'].includes(config.availability_mode)) fail(`availability_mode ${config.availability_mode}`);

  const d = config.device;
  if (d === undefined) fail('no device');
  else {
    for (const key of Object.keys(d)) if (!DEVICE_KEYS.includes(key)) fail(`device.${key} is not a device option`);
    if (!Array.isArray(d.identifiers) || d.identifiers.length === 0) fail('device without identifiers');
    if (d.configuration_url !== undefined && !isUrl(d.configuration_url)) fail(`device.configuration_url ${d.configuration_url} is not a URL`);
    for (const key of ['suggested_area', 'via_device', 'name', 'model', 'manufacturer', 'sw_version']) {
      if (d[key] !== undefined && typeof d[key] !== 'string') fail(`device.${key} is not text`);
    }
  }
  const o = config.origin;
  if (o !== undefined) {
    if (typeof o.name !== 'string' || !o.name) fail('origin without name');
    for (const key of Object.keys(o)) if (!ORIGIN_KEYS.includes(key)) fail(`origin.${key} is not an origin option`);
    if (o.support_url !== undefined && !isUrl(o.support_url)) fail(`origin.support_url ${o.support_url} is not a URL`);
  }

  const dc = config.device_class;
  if (dc !== undefined && dc !== null) {
    const classes = schema.deviceClasses ?? [];
    if (!classes.includes(dc)) fail(`device_class ${dc} is not one a ${component} takes`);
  }
  if (component === 'sensor' || component === 'number') unitProblems(component, config, fail);
  if (component === 'sensor') {
    if (config.suggested_display_precision !== undefined && !(isInt(config.suggested_display_precision) && config.suggested_display_precision >= 0)) fail('suggested_display_precision');
  }
  if (config.expire_after !== undefined && !(isInt(config.expire_after) && config.expire_after > 0)) fail(`expire_after ${config.expire_after} is not whole seconds`);
  if (component === 'number') {
    if (typeof config.min !== 'number' || typeof config.max !== 'number' || config.min >= config.max) fail(`number range ${config.min}..${config.max}`);
    if (config.step !== undefined && !(config.step > 0)) fail(`step ${config.step}`);
    if (config.mode !== undefined && !['auto', 'box', 'slider'].includes(config.mode)) fail(`mode ${config.mode}`);
  }
  if (component === 'text' && config.max !== undefined && !(isInt(config.max) && config.max <= 255)) fail(`text max ${config.max}`);
  if (component === 'event' && !(Array.isArray(config.event_types) && config.event_types.length > 0)) fail('event_types is not a list');
  if (component === 'light') {
    if (config.schema !== undefined && config.schema !== 'basic') fail(`light schema ${config.schema}: these checks are for the basic schema`);
    if (config.brightness_scale !== undefined && !(isInt(config.brightness_scale) && config.brightness_scale >= 1)) fail('brightness_scale');
    if (config.on_command_type !== undefined && !['first', 'last', 'brightness'].includes(config.on_command_type)) fail(`on_command_type ${config.on_command_type}`);
  }
  if (component === 'fan' && config.percentage_command_topic !== undefined) {
    if (!(isInt(config.speed_range_min) && isInt(config.speed_range_max) && config.speed_range_min >= 1 && config.speed_range_max > config.speed_range_min)) fail('speed range');
  }
  if (component === 'valve') {
    if (config.reports_position === true && (config.payload_open !== undefined || config.payload_close !== undefined)) {
      fail('payload_open and payload_close are not allowed when the valve reports its position');
    }
    if (config.reports_position === true && !(isInt(config.position_open) && isInt(config.position_closed))) fail('position_open/position_closed');
  }
  if (component === 'cover') {
    if (config.set_position_topic !== undefined && config.position_topic === undefined) fail('set_position_topic without position_topic');
    if (config.position_topic !== undefined && !(isInt(config.position_open) && isInt(config.position_closed))) fail('position_open/position_closed');
    if (config.state_topic === undefined && config.position_topic === undefined && config.command_topic === undefined) fail('a cover with neither state, position nor command');
  }
  return problems;
}

/** A sensor's or number's unit and state class against its device class. */
function unitProblems(component: string, config: Record<string, any>, fail: (m: string) => void): void {
  const dc: string | undefined = config.device_class ?? undefined;
  const unit: string | undefined = config.unit_of_measurement ?? undefined;
  const sc: string | undefined = config.state_class ?? undefined;
  if (sc !== undefined && component === 'sensor' && !['measurement', 'measurement_angle', 'total', 'total_increasing'].includes(sc)) fail(`state_class ${sc}`);
  if (dc === undefined || !(dc in SENSOR_UNITS)) return;
  const units = SENSOR_UNITS[dc]!;
  if (units !== '*' && !units.includes(unit ?? null)) fail(`unit ${unit ?? '(none)'} is not one device_class ${dc} takes (${units.map((u) => u ?? '(none)').join(', ')})`);
  if (component !== 'sensor') return;
  const allowed = SENSOR_STATE_CLASSES[dc] ?? ['measurement'];
  if (sc !== undefined && !allowed.includes(sc)) fail(`state_class ${sc} does not fit device_class ${dc} (${allowed.join(', ') || 'none'})`);
}

/** `{{ value_json.a.b }}` → `['a', 'b']`, for the templates that only pick a value out of JSON. */
export function jsonPath(template: unknown): string[] | undefined {
  const m = /^\{\{ value_json\.([a-z0-9_.]+) \}\}$/.exec(String(template));
  return m ? m[1]!.split('.') : undefined;
}
