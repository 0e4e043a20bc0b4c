/**
 * The second validation pass: what no single entry can know on its own. Duplicate ids, hardware
 * claimed twice, rules naming schemes that do not exist. Every conflict is reported at the later
 * occurrence, so the first file to claim something keeps it.
 */
import type { DriverDef } from '../core/driver.js';
import type { DriverRegistry } from '../core/registry.js';
import type { Path } from './issues.js';
import { isRemoteRef, type Condition } from './rule-schema.js';
import { didYouMean } from '../core/suggest.js';
import { displayPath, type LoadedRule, type LoadedScheme, type Problem, type UnavailableScheme } from './types.js';
import type { YamlSource } from '../yaml/source.js';
import { MAX_EXTERNAL_FACTS } from '../core/limits.js';

/** A file after the first pass: what validated, and where it sits in the YAML. */
export interface FileUnit {
  file: string;
  source?: YamlSource;
  problems: Problem[];
  schemes: (LoadedScheme & { path: Path })[];
  rules: (LoadedRule & { path: Path; raw: Record<string, unknown> })[];
  /**
   * Ids of entries that failed the schema. A rule naming one is not reported: the entry's own
   * problem says what to fix, and "unknown output" would send the user looking in the wrong place.
   */
  declared: { id: string; direction: 'input' | 'output' }[];
  /** Entries whose driver could not be loaded (their ids are in `declared` too). */
  unavailable: UnavailableScheme[];
}

type Entry = { unit: FileUnit; path: Path };

/** Runs every cross-check over all files, adding each problem to the file it is in. */
export function crossCheck(units: FileUnit[], registry: DriverRegistry): void {
  const report = (at: Entry, sub: Path, message: string) => {
    const pos = at.unit.source?.locate([...at.path, ...sub]) ?? { line: 1, col: 1 };
    at.unit.problems.push({ file: at.unit.file, ...pos, message });
  };
  const where = (at: Entry) => {
    const pos = at.unit.source?.locate(at.path) ?? { line: 1 };
    return `${displayPath(at.unit.file)}:${pos.line}`;
  };
  const schemes = units.flatMap((unit) => unit.schemes.map((s) => ({ ...s, unit })));
  const rules = units.flatMap((unit) => unit.rules.map((r) => ({ ...r, unit })));
  const declared = new Map(units.flatMap((unit) => unit.declared.map((d) => [d.id, d.direction] as const)));

  // One map per kind of claim: the first claimant keeps it, the later one is the problem.
  const claim = <K>(claims: Map<K, Entry & { label: string }>, key: K, at: Entry & { label: string }, sub: Path, what: string) => {
    const first = claims.get(key);
    if (first) report(at, sub, `${what} is already used by ${first.label} (${where(first)})`);
    else claims.set(key, at);
  };

  const ids = new Map<string, Entry>();
  const pins = new Map<number, Entry & { label: string }>();
  const i2c = new Map<string, Entry & { label: string; chip?: string }>();
  const chipChannels = new Map<string, Entry & { label: string }>();
  const spi = new Map<string, Entry & { label: string; driver: string }>();
  const spiChannels = new Map<string, Entry & { label: string }>();
  const oneWire = new Map<string, Entry & { label: string }>();
  const serialPorts = new Map<string, Entry & { label: string }>();
  const iioDevices = new Map<string, Entry & { label: string }>();

  for (const s of schemes) {
    const at = { unit: s.unit, path: s.path, label: `'${s.id}'` };
    const first = ids.get(s.id);
    if (first) report(at, ['id'], `duplicate id '${s.id}'; first defined at ${where(first)}`);
    else ids.set(s.id, at);

    const o = s.options;
    const def = defOf(registry, s);
    // On an I2C chip, `pin`/`pins` name pins of the chip (an expander's P0..P7), not GPIOs.
    for (const [key, value] of Object.entries(o)) {
      const pin = (key === 'pin' && def?.bus !== 'i2c') || key.endsWith('_pin') ? gpioNumber(value) : undefined;
      if (pin !== undefined) claim(pins, pin, at, [key], `GPIO${pin}`);
    }
    if (def?.bus === 'i2c' && typeof o.address === 'number') {
      const key = `${o.bus}:${o.address}`;
      const what = `I2C bus ${o.bus} address 0x${o.address.toString(16)}`;
      // Drivers that share a chip (def.shares) sit on one address channel by channel; any other owns it.
      const chip = def.shares?.chip;
      const first = i2c.get(key);
      if (first && !(chip && first.chip === chip)) report(at, ['address'], `${what} is already used by ${first.label} (${where(first)})`);
      else {
        if (!first) i2c.set(key, { ...at, chip });
        for (const c of def.shares?.channels(o) ?? []) claim(chipChannels, `${key}:${c}`, at, [def.shares!.option], `${c} of ${what}`);
      }
    }
    if (def?.bus === 'spi' && typeof o.device === 'number') {
      // One chip select is one chip: a second driver there is a clash whatever its channel.
      const key = `${o.bus}.${o.device}`;
      const first = spi.get(key);
      const what = `SPI bus ${o.bus} device ${o.device}${o.channel === undefined ? '' : ` channel ${o.channel}`}`;
      if (!first) spi.set(key, { ...at, driver: s.driver });
      if (first && first.driver !== s.driver) report(at, ['device'], `SPI bus ${o.bus} device ${o.device} is already used by ${first.label} (${first.driver}, ${where(first)})`);
      else claim(spiChannels, `${key}:${String(o.channel)}`, at, [o.channel === undefined ? 'device' : 'channel'], what);
    }
    if (def?.bus === '1-wire' && typeof o.sensor_id === 'string') {
      claim(oneWire, o.sensor_id, at, ['sensor_id'], `1-wire sensor ${o.sensor_id}`);
    }
    // A serial port has one reader: a second would get every other chunk of the stream.
    if (def?.bus === 'serial' && typeof o.port === 'string') claim(serialPorts, o.port, at, ['port'], `serial port ${o.port}`);
    if (def?.bus === 'iio' && typeof o.device === 'string') claim(iioDevices, o.device, at, ['device'], `IIO device ${o.device}`);
  }

  const ruleIds = new Map<string, Entry>();
  // Every topic the node's rules read facts from: one subscription each, and a limit on them all.
  const factTopics = new Set<string>();
  for (const r of rules) {
    const at = { unit: r.unit, path: r.path };
    const first = ruleIds.get(r.id);
    if (first) report(at, ['id'], `duplicate rule id '${r.id}'; first defined at ${where(first)}`);
    else ruleIds.set(r.id, at);
    for (const [name, fact] of Object.entries(r.facts ?? {})) {
      factTopics.add(fact.topic);
      if (factTopics.size > MAX_EXTERNAL_FACTS) {
        report(at, ['facts', name], `the rules of a node may read facts from at most ${MAX_EXTERNAL_FACTS} topics; this is one more`);
        factTopics.delete(fact.topic);
      }
    }
    checkRuleRefs(r.raw, schemes, declared, registry, (sub, message) => report(at, sub, message));
  }
}

/** The BCM number of a pin option: 17, "17", "GPIO17" and "gpio17" are all the same line. */
export function gpioNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  const m = typeof value === 'string' ? /^(?:gpio)?(\d+)$/i.exec(value.trim()) : null;
  return m ? Number(m[1]) : undefined;
}

function defOf(registry: DriverRegistry, s: LoadedScheme): DriverDef | undefined {
  return registry.get(s.direction, s.driver);
}

/** Outputs a rule sets and facts it reads must exist on this node, unless named as NODE/SCHEME. */
function checkRuleRefs(
  raw: Record<string, unknown>,
  schemes: LoadedScheme[],
  declared: Map<string, 'input' | 'output'>,
  registry: DriverRegistry,
  report: (sub: Path, message: string) => void,
): void {
  const byId = new Map(schemes.map((s) => [s.id, s]));
  const outputs = schemes.filter((s) => s.direction === 'output').map((s) => s.id);
  // Names declared under the rule's `facts:` are facts from other topics.
  const external = Object.keys((raw.facts ?? {}) as Record<string, unknown>);
  const exists = (id: string) => byId.has(id) || declared.has(id) || external.includes(id);
  for (const branch of ['then', 'else'] as const) {
    const actions = (raw[branch] ?? []) as Record<string, { output?: string } | undefined>[];
    actions.forEach((action, i) => {
      const output = action.set?.output;
      if (output === undefined || isRemoteRef(output)) return;
      const direction = byId.get(output)?.direction ?? declared.get(output);
      const sub = [branch, i, 'set', 'output'];
      if (!direction) report(sub, `unknown output '${output}'${didYouMean(output, outputs)}`);
      else if (direction !== 'output') report(sub, `'${output}' is an input; a rule can only set outputs`);
    });
  }
  walkConditions(raw.when as Condition | undefined, ['when'], (leaf, sub) => {
    const fact = leaf.fact;
    if (fact === undefined || isRemoteRef(fact)) return;
    if (!exists(fact)) return report([...sub, 'fact'], `unknown fact '${fact}'${didYouMean(fact, [...byId.keys(), ...external]) || "; a fact is a scheme id, NODE/SCHEME, or a name under the rule's facts:"}`);
    if (external.includes(fact)) return;
    const scheme = byId.get(fact);
    if (!scheme) return;
    // Only a plain `$.field` can be checked; deeper JSONPath is the rule author's business.
    const field = leaf.path === undefined ? undefined : /^\$\.([A-Za-z0-9_]+)$/.exec(leaf.path)?.[1];
    const fields = defOf(registry, scheme)?.fields.map((f) => f.name) ?? [];
    if (field !== undefined && fields.length && ![...fields, 'ts'].includes(field)) {
      report([...sub, 'path'], `'${fact}' (${scheme.driver}) has no field '${field}'${didYouMean(field, fields) || `; it has ${fields.join(', ')}`}`);
    }
  });
}

function walkConditions(c: Condition | undefined, path: Path, visit: (leaf: Condition, path: Path) => void): void {
  if (!c) return;
  c.all?.forEach((x, i) => walkConditions(x, [...path, 'all', i], visit));
  c.any?.forEach((x, i) => walkConditions(x, [...path, 'any', i], visit));
  if (c.not) walkConditions(c.not, [...path, 'not'], visit);
  if (c.fact !== undefined) visit(c, path);
}
