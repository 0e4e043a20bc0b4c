import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { watch, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinuxPwmChannel } from '../../../src/hardware/linux/pwm.js';

/**
 * A sysfs PWM chip in a temp dir. A fixture cannot create pwmN itself as the kernel does, so a
 * watcher on `export`/`unexport` plays the kernel: a moment after a channel number is written
 * there, its directory appears (or goes) with the attributes at their reset values.
 */
async function pwmTree(t: { after: (fn: () => Promise<void> | void) => void }, opts: { exported?: Record<number, { period: number; duty: number; enable?: 0 | 1 }> } = {}) {
  const sys = await mkdtemp(join(tmpdir(), 'hanode-pwm-'));
  const chip = join(sys, 'class/pwm/pwmchip0');
  await mkdir(chip, { recursive: true });
  await writeFile(join(chip, 'npwm'), '2\n');
  await writeFile(join(chip, 'export'), '');
  await writeFile(join(chip, 'unexport'), '');
  const createChannel = async (n: number, period = 0, duty = 0, enable = 0) => {
    const dir = join(chip, `pwm${n}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'period'), `${period}\n`);
    await writeFile(join(dir, 'duty_cycle'), `${duty}\n`);
    await writeFile(join(dir, 'enable'), `${enable}\n`);
    await writeFile(join(dir, 'polarity'), 'normal\n');
  };
  for (const [n, c] of Object.entries(opts.exported ?? {})) await createChannel(Number(n), c.period, c.duty, c.enable ?? 0);
  const exports: string[] = [];
  // One write raises several watch events: handle them one at a time, each taking what is there.
  let queue = Promise.resolve();
  const kernel = (file: 'export' | 'unexport') =>
    watch(join(chip, file), () => {
      queue = queue.then(async () => {
        const text = (await readFile(join(chip, file), 'utf8').catch(() => '')).trim();
        if (!text) return;
        await writeFile(join(chip, file), '');
        exports.push(`${file} ${text}`);
        const dir = join(chip, `pwm${text}`);
        setTimeout(() => void (file === 'export' ? createChannel(Number(text)) : rm(dir, { recursive: true, force: true })), 30);
      });
    });
  const watchers = [kernel('export'), kernel('unexport')];
  t.after(async () => {
    for (const w of watchers) w.close();
    await rm(sys, { recursive: true, force: true });
  });

  // Every attribute write, and the kernel's rule: duty_cycle may never exceed period.
  const writes: string[] = [];
  const write = async (path: string, value: string) => {
    const attr = path.slice(chip.length + 1);
    const dir = join(path, '..');
    const now = async (a: string) => Number((await readFile(join(dir, a), 'utf8')).trim());
    if (attr.endsWith('/period') && Number(value) < (await now('duty_cycle'))) throw Object.assign(new Error('EINVAL period < duty_cycle'), { code: 'EINVAL' });
    if (attr.endsWith('/duty_cycle') && Number(value) > (await now('period'))) throw Object.assign(new Error('EINVAL duty_cycle > period'), { code: 'EINVAL' });
    if (attr.endsWith('/enable') && value === '1' && (await now('period')) === 0) throw Object.assign(new Error('EINVAL no period'), { code: 'EINVAL' });
    writes.push(`${attr}=${value}`);
    await writeFile(path, value);
  };
  return { sys, chip, writes, write, exports };
}

test('linux pwm: exports the channel, waits for its files, then writes period before duty and enables', async (t) => {
  const tree = await pwmTree(t);
  const pwm = await LinuxPwmChannel.open(tree.sys, 0, 1, { write: tree.write });
  assert.deepEqual(tree.exports, ['export 1']);
  await pwm.configure(20_000_000, 1_500_000); // a servo at 50 Hz, 1.5 ms
  await pwm.enable(true);
  assert.deepEqual(tree.writes, ['export=1', 'pwm1/period=20000000', 'pwm1/duty_cycle=1500000', 'pwm1/enable=1']);
  assert.equal((await readFile(join(tree.chip, 'pwm1/duty_cycle'), 'utf8')).trim(), '1500000');
});

test('linux pwm: a shorter period than the current duty writes the duty first; unchanged values are not rewritten', async (t) => {
  const tree = await pwmTree(t, { exported: { 0: { period: 1_000_000, duty: 800_000, enable: 1 } } });
  const pwm = await LinuxPwmChannel.open(tree.sys, 0, 0, { write: tree.write });
  assert.deepEqual(tree.exports, [], 'an exported channel is taken as it is');
  await pwm.configure(500_000, 250_000); // 1 kHz → 2 kHz at 50 %
  await pwm.configure(2_000_000, 250_000); // back to 500 Hz: the period grows first
  await pwm.configure(2_000_000, 1_900_000);
  await pwm.enable(true); // already enabled
  assert.deepEqual(tree.writes, ['pwm0/duty_cycle=250000', 'pwm0/period=500000', 'pwm0/period=2000000', 'pwm0/duty_cycle=1900000']);
});

test('linux pwm: refuses duty > period before touching sysfs; rounds to whole nanoseconds', async (t) => {
  const tree = await pwmTree(t, { exported: { 0: { period: 0, duty: 0 } } });
  const pwm = await LinuxPwmChannel.open(tree.sys, 0, 0, { write: tree.write });
  await assert.rejects(pwm.configure(1000, 1001), RangeError);
  await assert.rejects(pwm.configure(0, 0), RangeError);
  await pwm.configure(1_000_000 / 3, 1_000_000 / 6);
  assert.deepEqual(tree.writes, ['pwm0/period=333333', 'pwm0/duty_cycle=166667']);
});

test('linux pwm: close disables and unexports; using the channel again exports it again', async (t) => {
  const tree = await pwmTree(t);
  const pwm = await LinuxPwmChannel.open(tree.sys, 0, 0); // the real writeFile, the watcher as kernel
  await pwm.configure(1_000_000, 500_000);
  await pwm.enable(true);
  await pwm.close();
  for (let i = 0; i < 100 && existsSync(join(tree.chip, 'pwm0')); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(tree.exports, ['export 0', 'unexport 0']);
  assert.equal((await readFile(join(tree.chip, 'pwm0/enable'), 'utf8').catch(() => 'gone')), 'gone');
  await pwm.configure(1_000_000, 250_000);
  await pwm.enable(true);
  assert.deepEqual(tree.exports, ['export 0', 'unexport 0', 'export 0']);
  assert.equal((await readFile(join(tree.chip, 'pwm0/duty_cycle'), 'utf8')).trim(), '250000');
  assert.equal((await readFile(join(tree.chip, 'pwm0/enable'), 'utf8')).trim(), '1');
});

test('linux pwm: a missing chip names the overlay; a channel that never appears times out', async (t) => {
  const tree = await pwmTree(t);
  await assert.rejects(LinuxPwmChannel.open(tree.sys, 3, 0), /pwmchip3 is missing.*dtoverlay=pwm/);
  const noKernel = async (path: string, value: string) => {
    if (!path.endsWith('export')) await writeFile(path, value); // swallowed: nothing appears
  };
  await assert.rejects(LinuxPwmChannel.open(tree.sys, 0, 1, { write: noKernel, readyTimeoutMs: 60 }), /did not become writable/);
});
