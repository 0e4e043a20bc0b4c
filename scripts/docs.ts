// `npm run docs`: rewrite the generated docs (scheme JSON Schema, README driver tables).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { builtinRegistry } from '../src/cli/registry.js';
import { SCHEMA_FILE, schemaText, readmeWithDrivers } from '../src/docs/generate.js';

const registry = await builtinRegistry().loadAll();
mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
writeFileSync(SCHEMA_FILE, schemaText(registry));
writeFileSync('README.md', readmeWithDrivers(readFileSync('README.md', 'utf8'), registry));
console.log(`wrote ${SCHEMA_FILE} and the driver tables in README.md`);
