/** `hanode drivers`: the driver catalogue, generated from the drivers' schemas. */
import type { DriverRegistry } from '../core/registry.js';
import type { DriverDef } from '../core/driver.js';
import { driverOptionDocs } from '../schemes/json-schema.js';

export function driverCatalogue(registry: DriverRegistry) {
  const defs: DriverDef[] = [...registry.defs('input'), ...registry.defs('output')].map(([, d]) => d);
  return defs.map((d) => ({
    name: d.name,
    direction: d.direction,
    bus: d.bus,
    description: d.description,
    options: driverOptionDocs(d),
    fields: d.fields,
    example: d.example,
  }));
}

export function driversCommand(registry: DriverRegistry, opts: { json?: boolean }): void {
  const list = driverCatalogue(registry);
  if (opts.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
  for (const d of list) {
    process.stdout.write(`${d.name} (${d.direction}, ${d.bus}): ${d.description}\n`);
    for (const o of d.options) {
      const def = o.default !== undefined ? ` [default ${JSON.stringify(o.default)}]` : o.required ? ' [required]' : '';
      process.stdout.write(`    ${o.name}: ${o.type}${def}  ${o.description ?? ''}\n`);
    }
    process.stdout.write(`  publishes: ${d.fields.map((f) => f.name + (f.unit ? ` (${f.unit})` : '')).join(', ')}\n\n`);
  }
}
