/**
 * liquidjs is loaded only for templates: text without tags renders as it is, and a node whose
 * scheme files hold no `{{` or `{%` never loads it (seen by a resolve hook in a fresh process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { compileTemplate } from '../../src/core/template.js';

test('text without tags is a template that renders as it is', () => {
  const t = compileTemplate('http://hub.local/api?x=1');
  assert.deepEqual(t.paths, []);
  assert.deepEqual(t.required, []);
  assert.equal(t.single, false);
  assert.equal(t.render({ x: 2 }), 'http://hub.local/api?x=1');
  assert.equal(t.value({}), 'http://hub.local/api?x=1');
  // With a tag, Liquid renders it.
  assert.equal(compileTemplate('{{ x | fixed: 1 }} °C').render({ x: 2 }), '2.0 °C');
});

/** Loads `yaml` as a scheme file in a fresh process; says whether liquidjs was resolved, and what loaded. */
function loadInFreshProcess(yaml: string): { liquid: boolean; inputs: number; problems: number } {
  const hook = `export async function resolve(s, c, next) { if (s === 'liquidjs') process.stdout.write('LIQUIDJS\\n'); return next(s, c); }`;
  const code = `
    import { register } from 'node:module';
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
    const { loadSchemeTextsWithDrivers } = await import(${JSON.stringify(new URL('../../src/schemes/loader.ts', import.meta.url).href)});
    const { builtins } = await import(${JSON.stringify(new URL('../helpers/drivers.ts', import.meta.url).href)});
    const r = await loadSchemeTextsWithDrivers([{ file: 'a.yaml', text: ${JSON.stringify(yaml)} }], builtins);
    const cjs = Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((k) => k.includes('liquidjs'));
    console.log(JSON.stringify({ inputs: r.inputs.length + r.outputs.length, problems: r.problems.length, cjs }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  const lines = out.trim().split('\n');
  const result = JSON.parse(lines[lines.length - 1]!) as { inputs: number; problems: number; cjs: boolean };
  return { liquid: lines.includes('LIQUIDJS') || result.cjs, inputs: result.inputs, problems: result.problems };
}

test('scheme files without templates load without liquidjs; one template loads it', () => {
  const plain = 'inputs:\n  - { id: climate, driver: bme280, bus: 1, address: 0x76 }\noutputs:\n  - { id: fan, driver: gpio-out, pin: 17 }\n';
  assert.deepEqual(loadInFreshProcess(plain), { liquid: false, inputs: 2, problems: 0 });
  const templated = `${plain}  - { id: hook, driver: http, url: "http://hub.local/{{value}}" }\n`;
  assert.deepEqual(loadInFreshProcess(templated), { liquid: true, inputs: 3, problems: 0 });
});
