/** Every `bridges:` example in the README's Bridges section passes validation (files aside: they are the reader's). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { validateBridges } from '../../src/bridge/validate.js';
import { BRIDGE_TYPES } from '../../src/bridge/schema.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const text = readme.slice(readme.indexOf('\n## Bridges\n'), readme.indexOf('\n## Plugins\n'));
const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.startsWith('bridges:'));
const secrets: Record<string, string> = { azure_kitchen: 'HostName=kitchen.azure-devices.net;DeviceId=kitchen-pi;SharedAccessKey=AAECAwQ=' };
const secret = { tag: '!secret', resolve: (name: string) => secrets[name] ?? `secret-${name}` };

test('the README has a full bridge example for every type', () => {
  const types = new Set(blocks.flatMap((b) => (parse(b, { customTags: [secret] }).bridges as { type: string }[]).map((x) => x.type)));
  assert.deepEqual([...types].sort(), [...BRIDGE_TYPES].sort());
});

for (const [i, block] of blocks.entries()) {
  test(`example ${i + 1} is a valid bridge`, () => {
    const raw = parse(block, { customTags: [secret] }).bridges;
    const { problems, bridges } = validateBridges(raw, { dir: '/nonexistent' });
    assert.deepEqual(problems.map((p) => p.message).filter((m) => !/cannot read (ca|cert|key) file/.test(m)), []);
    if (!problems.length) assert.equal(bridges.length, raw.length);
  });
}
