import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxSystem, parseMemUsedPct } from '../../../src/hardware/linux/system.js';
import { fixtureRoots, type FixtureName } from './helpers.js';

const expected: Record<FixtureName, { model: string; cpu_temp: number; load1: number; mem_used_pct: number; uptime: number }> = {
  // meminfo: (948304 - 621240) / 948304 = 34.49 %
  pi3: { model: 'Raspberry Pi 3 Model B Plus Rev 1.3', cpu_temp: 48.3, load1: 0.52, mem_used_pct: 34.5, uptime: 86400 },
  'pi4-k6.6': { model: 'Raspberry Pi 4 Model B Rev 1.4', cpu_temp: 51.1, load1: 1.07, mem_used_pct: 25, uptime: 3600 },
  // The Pi 5 tree has its model only under /sys/firmware/devicetree/base.
  pi5: { model: 'Raspberry Pi 5 Model B Rev 1.0', cpu_temp: 47.6, load1: 0.08, mem_used_pct: 10, uptime: 125 },
};

for (const [tree, want] of Object.entries(expected) as [FixtureName, (typeof expected)[FixtureName]][]) {
  test(`system facts from the ${tree} tree`, async () => {
    const facts = await new LinuxSystem({ roots: fixtureRoots(tree) }).facts();
    assert.deepEqual(
      { model: facts.model, cpu_temp: facts.cpu_temp, load1: facts.load1, mem_used_pct: facts.mem_used_pct, uptime: facts.uptime },
      want,
    );
    assert.equal(facts.hostname, hostname());
    assert.equal(facts.kernel, release());
    assert.equal(facts.arch, process.arch);
    assert.ok(facts.disk_used_pct >= 0 && facts.disk_used_pct <= 100, String(facts.disk_used_pct));
    assert.equal(facts.disk_used_pct, Math.round(facts.disk_used_pct * 10) / 10);
  });
}

test('no thermal zone and no device tree give nulls, not errors', async () => {
  const root = await mkdtemp(join(tmpdir(), 'hanode-sys-'));
  try {
    const proc = join(root, 'proc');
    await mkdir(proc);
    await writeFile(join(proc, 'loadavg'), '2.50 1.00 0.50 3/100 42\n');
    await writeFile(join(proc, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 333 kB\n');
    await writeFile(join(proc, 'uptime'), '59.99 10.00\n');
    const facts = await new LinuxSystem({ roots: { proc, sys: join(root, 'sys'), dev: join(root, 'dev') }, diskPath: root }).facts();
    assert.equal(facts.cpu_temp, null);
    assert.equal(facts.model, null);
    assert.equal(facts.load1, 2.5);
    assert.equal(facts.mem_used_pct, 66.7);
    assert.equal(facts.uptime, 59);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('parseMemUsedPct needs MemTotal and MemAvailable', () => {
  assert.equal(parseMemUsedPct('MemTotal: 2000 kB\nMemAvailable: 500 kB\n'), 75);
  assert.throws(() => parseMemUsedPct('MemTotal: 2000 kB\nMemFree: 500 kB\n'), /MemAvailable/);
});
