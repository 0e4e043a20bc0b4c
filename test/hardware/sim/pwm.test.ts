import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimHardware } from '../../../src/hardware/sim/index.js';
import { SimPwmChannel } from '../../../src/hardware/sim/pwm.js';
import { attachScheme } from './attach.js';

test('sim pwm: refuses what sysfs refuses (duty > period, no period, fractions of a ns) and records the rest', async () => {
  const c = new SimPwmChannel(0, 0);
  await assert.rejects(c.enable(true), { code: 'EINVAL' });
  await assert.rejects(c.configure(1000, 1001), { code: 'EINVAL' });
  await assert.rejects(c.configure(1000.5, 10), { code: 'EINVAL' });
  await c.configure(1000, 250);
  await c.enable(true);
  assert.deepEqual(c.history, [
    { periodNs: 1000, dutyNs: 250, enabled: false },
    { periodNs: 1000, dutyNs: 250, enabled: true },
  ]);
});

test('sim pwm: the scheme view and the driver share one channel; $sim fail makes it throw EIO', async () => {
  const hw = createSimHardware();
  const view = attachScheme(hw, 'lamp', 'pwm', { chip: 1, channel: 0 })!;
  const channel = await hw.pwm(1, 0);
  await channel.configure(20_000_000, 1_500_000);
  await channel.enable(true);
  assert.equal(view.state().pulse_us, 1500);
  assert.equal(view.state().duty_pct, 7.5);
  view.set({ fail: true });
  await assert.rejects(channel.configure(1000, 0), { code: 'EIO' });
  assert.throws(() => view.set({ brightness: 3 }), /unknown key 'brightness'; expected fail/);
});
