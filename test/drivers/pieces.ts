/**
 * What a driver that talks to a bus must come with, besides its own file: a sim model, a fixture
 * under test/fixtures/drivers, a unit (datasheet) test, a runnable example scheme file, and for
 * I2C parts the chips `hanode scan` should name. `missingPieces` says, in words a contributor can
 * act on, which are missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverDef } from '../../src/core/driver.js';
import type { DriverRegistry } from '../../src/core/registry.js';
import { formatProblem, loadSchemeTexts } from '../../src/schemes/loader.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The buses whose drivers need every piece (not system, network or process drivers). */
export const HARDWARE_BUSES: ReadonlySet<DriverDef['bus']> = new Set(['i2c', 'spi', 'gpio', '1-wire', 'iio', 'serial']);

/** The fixture file of a driver: its name, or `<name>-out` for an output sharing its name with an input. */
export function fixtureFile(def: DriverDef, registry: DriverRegistry): string {
  const clash = def.direction === 'output' && registry.has('input', def.name);
  return `test/fixtures/drivers/${def.name}${clash ? '-out' : ''}.yaml`;
}

/** The unit test file of a driver. */
export function unitTestFile(def: DriverDef): string {
  return `test/drivers-${def.direction === 'input' ? 'in' : 'out'}/${def.name}.test.ts`;
}

/** Does `file` (relative to `root`) load cleanly and hold a scheme of `def`? A reason when not. */
function schemeFileProblem(def: DriverDef, file: string, registry: DriverRegistry, root: string): string | undefined {
  const path = join(root, file);
  if (!existsSync(path)) return `${file} does not exist`;
  const result = loadSchemeTexts([{ file, text: readFileSync(path, 'utf8') }], registry);
  if (result.problems.length) return `${file} does not load: ${result.problems.map(formatProblem).join('; ')}`;
  if (![...result.inputs, ...result.outputs].some((s) => s.driver === def.name && s.direction === def.direction)) return `${file} has no ${def.direction} with driver: ${def.name}`;
  return undefined;
}

/** One sentence per missing piece of `def`; empty when it has them all. */
export function missingPieces(def: DriverDef, registry: DriverRegistry, root = ROOT): string[] {
  const { name } = def;
  const missing: string[] = [];
  if (!def.sim) missing.push(`${name} has no sim model: give its definition \`sim:\` (see src/hardware/sim/chips; GPIO, PWM and system models are in src/hardware/sim/models.ts)`);

  const fixture = fixtureFile(def, registry);
  if (!existsSync(join(root, fixture))) missing.push(`${name} has no fixture: write ${fixture} with a scheme that uses it (test/fixtures-drivers.test.ts validates every fixture)`);
  else {
    const problem = schemeFileProblem(def, fixture, registry, root);
    if (problem) missing.push(`${name}'s fixture is not usable: ${problem}`);
  }

  const unit = unitTestFile(def);
  if (!existsSync(join(root, unit))) missing.push(`${name} has no unit test: write ${unit} (raw bus bytes in, published fields out; the datasheet's worked example where there is one)`);

  if (!def.exampleFile) missing.push(`${name} has no example: give its definition \`exampleFile:\` naming a scheme file under schemes/ that runs under sim`);
  else {
    const problem = schemeFileProblem(def, def.exampleFile, registry, root);
    if (problem) missing.push(`${name}'s example is not usable: ${problem}`);
  }

  const chips = def.chips ?? registry.chips().find((c) => c.driver === name)?.chips;
  if (def.bus === 'i2c' && !chips?.length) missing.push(`${name} lists no chips: list them (part names and I2C addresses) as its \`chips:\` in src/drivers-in/index.ts or src/drivers-out/index.ts, or a plugin's in its definition, so \`hanode scan\` names it and \`scan --write\` drafts it`);
  return missing;
}
