/** An output's `for` is a bounded duration: past the bound it is the command's error, never an instant revert. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBus } from '../../src/core/bus.js';
import { OutputScheme } from '../../src/runtime/output-scheme.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { gpioOut } from '../../src/drivers-out/gpio-out.js';
import { optionsFor, silent } from '../drivers-in/context.js';
import { fakeStates } from '../drivers-out/display-helpers.js';

test('a relay told {"state":"ON","for":X} with X past 7 days refuses the command and stays online and OFF', async () => {
  const bus = new EventBus(silent);
  const availability: boolean[] = [];
  bus.on('availability', {}, (a) => void availability.push(a.online));
  const states: unknown[] = [];
  bus.on('state', {}, (s) => void states.push(s.state.state));
  const scheme = new OutputScheme({
    id: 'relay', driver: 'gpio-out', bus, log: silent, def: gpioOut, options: optionsFor(gpioOut, { pin: 17 }, 'relay'),
    hardware: createSimHardware(), persist: { get: () => undefined, set: async () => {} }, states: fakeStates(),
  });
  await scheme.start();
  for (const hold of ['600h', 1e308, -1, '1e308']) {
    await assert.rejects(scheme.command({ state: 'ON', for: hold }), /invalid command for gpio-out: for: /, String(hold));
  }
  await assert.rejects(scheme.command({ state: 'ON', for: '600h' }), /at most 168h \(7 days\), got "600h"/);
  assert.equal((await scheme.command({ state: 'ON', for: '168h' })).state, 'ON');
  await sleep(30);
  assert.deepEqual(states, ['OFF', 'ON'], 'refused commands change nothing, and a long hold does not revert at once');
  assert.deepEqual(availability, [true], 'never went offline');
  await scheme.stop();
});
