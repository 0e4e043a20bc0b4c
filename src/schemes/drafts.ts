/**
 * Draft scheme files for what a scan found (`hanode scan --write DIR`, and the dashboard's
 * hardware page). An I2C address only says that something acknowledges there, so each draft says
 * what was guessed; every draft is checked against the schema, and devices the directory already
 * configures are left alone.
 */
import { join, relative, resolve } from 'node:path';
import { packagePath } from '../core/package-root.js';
import { stringify } from 'yaml';
import type { DriverDef } from '../core/driver.js';
import type { DriverRegistry } from '../core/registry.js';
import { ChipCatalog, type ChipHint } from '../hardware/catalog.js';
import type { ScanResult } from '../hardware/types.js';
import { loadSchemeDir, loadSchemeTexts, formatProblem, type LoadedScheme } from './loader.js';

/** One scheme file to be. */
export interface Draft {
  /** The scheme id, also the file name. */
  id: string;
  direction: 'input' | 'output';
  /** Options in the order they are written; `address` is written in hex. */
  entry: Record<string, unknown>;
  /** Comment lines above the entry: what was found and what was guessed. */
  notes: string[];
  /** Whether the device behind it is already configured, and where: `bus:address`, a 1-wire id, or `system`. */
  claim: string;
}

export interface WriteDraftsOptions {
  registry: DriverRegistry;
  /** The scheme JSON Schema, for the modeline; default the package's schema/scheme.schema.json. */
  schemaFile?: string;
  /** For the header; default now. */
  now?: Date;
}

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const normalise = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

interface Found {
  name: string;
  def: DriverDef;
}

/** The driver for a catalog row: the one it names, else one named like the chip, if the registry has it. */
function driverFor(hint: ChipHint, registry: DriverRegistry): Found | undefined {
  const all: [string, DriverDef][] = [...registry.defs('input'), ...registry.defs('output')];
  const hit = hint.driver ? all.find(([name]) => name === hint.driver) : all.find(([name]) => normalise(name) === normalise(hint.chip));
  return hit && hit[1].bus === 'i2c' ? { name: hit[0], def: hit[1] } : undefined;
}

/** The options of a driver's example that are not about identity or place. */
function exampleOptions(def: DriverDef, drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(def.example).filter(([k]) => !['id', 'name', 'driver', ...drop].includes(k)));
}

function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * Drafts for a scan, before any file is looked at. Each comes with plain and example-filled
 * variants of its options; the first one that validates is written.
 */
export function draftsFor(result: ScanResult, registry: DriverRegistry): { drafts: (Draft & { fallback: Record<string, unknown> })[]; notes: string[] } {
  const drafts: (Draft & { fallback: Record<string, unknown> })[] = [];
  const notes: string[] = [];
  const catalog = ChipCatalog.of(registry);
  for (const { bus, addresses } of result.i2c) {
    for (const { address } of addresses) {
      const hints = catalog.hints(address);
      const where = `${hex(address)} answers on I2C bus ${bus}`;
      const withDriver = hints.map((h) => ({ hint: h, found: driverFor(h, registry) })).filter((x) => x.found);
      const first = withDriver[0];
      if (!first?.found) {
        notes.push(`${where}: ${hints.length ? `usually ${list(hints.map((h) => h.chip))}` : 'not in the chip catalog'}; hanode has no driver for it, so no draft`);
        continue;
      }
      const { hint, found } = first;
      const others = withDriver.slice(1).filter((x) => x.found!.name !== found.name);
      const guess = [
        `${where}; it is usually a ${hint.chip}${hint.note ? ` (${hint.note})` : ''}` +
          (hints.length > 1 ? `, but could be a ${list(hints.filter((h) => h !== hint).map((h) => h.chip))}` : '') +
          ' — chip id not checked, so this is a guess.',
        ...others.map((x) => `If it is a ${x.hint.chip}, use \`driver: ${x.found!.name}\` instead.`),
      ];
      const id = `${found.name}-${bus === 1 ? '' : `i2c${bus}-`}${hex(address)}`;
      const place = { bus, address };
      drafts.push({
        id,
        direction: found.def.direction,
        entry: { id, name: `${hint.chip} at ${hex(address)}`, driver: found.name, ...place, ...exampleOptions(found.def, ['bus', 'address']) },
        fallback: { id, name: `${hint.chip} at ${hex(address)}`, driver: found.name, ...place },
        notes: guess,
        claim: `${bus}:${address}`,
      });
    }
  }

  const ds18b20 = registry.get('input', 'ds18b20');
  for (const sensor of result.onewire) {
    if (!ds18b20 || !sensor.startsWith('28-')) {
      notes.push(`1-wire ${sensor}: ${sensor.startsWith('28-') ? 'a DS18B20, but the ds18b20 driver is not available' : 'not a DS18B20 (family 28)'}; no draft`);
      continue;
    }
    const id = `ds18b20-${sensor.slice(-6)}`;
    drafts.push({
      id,
      direction: 'input',
      entry: { id, name: `DS18B20 ${sensor}`, driver: 'ds18b20', sensor_id: sensor, ...exampleOptions(ds18b20, ['sensor_id']) },
      fallback: { id, name: `DS18B20 ${sensor}`, driver: 'ds18b20', sensor_id: sensor },
      notes: [`${sensor} is on the 1-wire bus; family 28 is the DS18B20 thermometer. Rename the id after what it measures.`],
      claim: `w1:${sensor}`,
    });
  }

  const system = registry.get('input', 'system');
  if (system) {
    const model = result.system.model ?? 'this computer';
    drafts.push({
      id: 'system',
      direction: 'input',
      entry: { id: 'system', name: `${result.system.hostname} health`, driver: 'system', ...exampleOptions(system, []) },
      fallback: { id: 'system', name: `${result.system.hostname} health`, driver: 'system' },
      notes: [`${model}: CPU temperature, load, memory, disk and uptime.`],
      claim: 'system',
    });
  }
  return { drafts, notes };
}

/** What the schemes already in `dir` configure, in the claims' terms. */
function claimsOf(schemes: LoadedScheme[]): Map<string, LoadedScheme> {
  const claims = new Map<string, LoadedScheme>();
  for (const s of schemes) {
    const o = s.options;
    if (s.driver === 'system') claims.set('system', s);
    if (typeof o.sensor_id === 'string') claims.set(`w1:${o.sensor_id}`, s);
    if (typeof o.address === 'number' && typeof o.bus === 'number') claims.set(`${o.bus}:${o.address}`, s);
  }
  return claims;
}

/** The text of one draft file. */
export function draftText(d: Draft, schemaRef: string, header: string): string {
  const lines = [`# yaml-language-server: $schema=${schemaRef}`, `# ${header}`, ...d.notes.map((n) => `# ${n}`), `${d.direction}s:`];
  let first = true;
  for (const [key, value] of Object.entries(d.entry)) {
    const text = key === 'address' && typeof value === 'number' ? hex(value) : stringify(value, { collectionStyle: 'flow' }).trim();
    lines.push(`${first ? '  - ' : '    '}${key}: ${text}`);
    first = false;
  }
  return lines.join('\n') + '\n';
}

/** What a write would do: the files to write, and one line per thing it would not do. */
export interface DraftPlan {
  files: { id: string; file: string; text: string }[];
  lines: string[];
}

/** Plans the drafts for `dir` without touching it: what `scan --write DIR` would write. */
export async function planDrafts(result: ScanResult, dir: string, opts: WriteDraftsOptions): Promise<DraftPlan> {
  // Drafts may use any driver: they all load here.
  const registry = await opts.registry.loadAll();
  const target = resolve(dir);
  const schemaFile = opts.schemaFile ?? packagePath('schema/scheme.schema.json');
  const schemaRef = relative(target, schemaFile) || schemaFile;
  const header = `Drafted by \`hanode scan --write\` on ${(opts.now ?? new Date()).toISOString().slice(0, 10)} from what ${result.system.hostname} showed. Check it, then keep it or delete it.`;

  const existing = await loadSchemeDir(target, registry);
  const present = [...existing.inputs, ...existing.outputs];
  const claims = claimsOf(present);
  const ids = new Set(present.map((s) => s.id));
  const { drafts, notes } = draftsFor(result, registry);
  const plan: DraftPlan = { files: [], lines: [...notes] };
  for (const draft of drafts) {
    const owner = claims.get(draft.claim);
    if (owner) {
      plan.lines.push(`${draft.id}: already configured as '${owner.id}' in ${relative(process.cwd(), owner.file) || owner.file}; no draft`);
      continue;
    }
    const file = join(target, `${draft.id}.yaml`);
    if (ids.has(draft.id)) {
      plan.lines.push(`${file}: the id '${draft.id}' is taken by another scheme in ${dir}; not written`);
      continue;
    }
    // The first variant that validates: with the driver's example options, else with none.
    const borrowed = Object.keys(draft.entry).filter((k) => !(k in draft.fallback) && k !== 'interval');
    const exampleNote = borrowed.length ? [`${borrowed.join(', ')}: taken from the ${String(draft.entry.driver)} driver's example; check ${borrowed.length === 1 ? 'it' : 'them'}.`] : [];
    const texts = [
      draftText({ ...draft, notes: [...draft.notes, ...exampleNote] }, schemaRef, header),
      draftText({ ...draft, entry: draft.fallback }, schemaRef, header),
    ];
    const text = texts.find((t) => loadSchemeTexts([{ file, text: t }], registry).problems.length === 0);
    if (!text) {
      const problems = loadSchemeTexts([{ file, text: texts[1]! }], registry).problems.map(formatProblem);
      plan.lines.push(`${draft.id}: the ${String(draft.entry.driver)} driver needs more than a scan can tell (${problems.join('; ')}); no draft`);
      continue;
    }
    ids.add(draft.id);
    plan.files.push({ id: draft.id, file, text });
  }
  return plan;
}
