#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm install` runs it): bundles src/ into dist/ with esbuild.
// One bundle loads far faster than hundreds of compiled files and package modules resolved one by
// one: on a Pi Zero 2 most of the start-up was module loading (README "Benchmarks"). What a run
// may not need (the embedded broker, email, the scan writer, each command) stays behind dynamic
// imports in chunks of its own. Native addons and the pretty-printer stay in node_modules.
// The plugin API is a second entry, so a plugin's `hanode/plugin` shares the agent's chunks (one zod).
// Type checking is `npm run lint`'s job.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
rmSync(`${root}dist`, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts', 'src/plugin-api.ts'],
  outbase: 'src',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Less text for V8 to read and compile at every start. Names are not kept: keeping them is a
  // call at every function and class definition as the modules load (about 30 ms of a 50-scheme
  // start), stack traces take V8's names from the source either way, and nothing here reads
  // a function's or class's `name`.
  minify: true,
  keepNames: false,
  // mqtt.js's and mqtt-packet's traces cost an array per call even when off (scripts/debug-shim.cjs).
  alias: { debug: './scripts/debug-shim.cjs' },
  external: ['better-sqlite3', 'i2c-bus', 'spi-device', 'onoff', 'serialport', '@serialport/*', 'pino-pretty', 'tsx', 'tsx/*'],
  // Packages written as CommonJS call require(); in an ES module bundle it has to be made.
  banner: { js: "import { createRequire as __hanodeRequire } from 'node:module'; const require = __hanodeRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
const files = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
const bytes = files.reduce((s, [, o]) => s + o.bytes, 0);
console.log(`hanode: built dist/ (${files.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
