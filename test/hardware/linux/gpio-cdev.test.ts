import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import {
  cdevChipByLabel,
  heldByGpiomon,
  openPulledInput,
  parseEdge,
  parseGpiodetect,
  type ToolRunner,
} from '../../../src/hardware/linux/gpio-cdev.js';

const log = pino({ level: 'silent' });

const GPIODETECT = 'gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\n';
const gpioinfo = (holder: string) =>
  `gpiochip0 - 58 lines:\n\tline  21:     "GPIO21"       unused   input  active-high \n\tline  22:     "GPIO22"  ${holder}   input  active-high [used]\n`;

test('gpiodetect output gives each chip its name, label and line count', () => {
  assert.deepEqual(parseGpiodetect(GPIODETECT), [
    { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 },
    { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 },
  ]);
});

test('gpioinfo tells whether gpiomon holds a line; gpiomon edge lines parse to levels', () => {
  assert.equal(heldByGpiomon(gpioinfo('"gpiomon"'), 22), true);
  assert.equal(heldByGpiomon(gpioinfo('unused'), 22), false);
  assert.equal(heldByGpiomon(gpioinfo('"gpiomon"'), 2), false);
  assert.deepEqual(['1', '0\n', 'x', ''].map(parseEdge), [1, 0, undefined, undefined]);
});

test('the chip is found by label with the libgpiod 1.x tools; libgpiod 2 and unknown labels are refused by name', async () => {
  const tools = (version: string): ToolRunner => async (tool) => (tool === 'gpiomon' ? version : GPIODETECT);
  assert.equal(await cdevChipByLabel('pinctrl-bcm2711', tools('gpiomon (libgpiod) v1.6.3\n')), 'gpiochip0');
  await assert.rejects(cdevChipByLabel('pinctrl-rp1', tools('gpiomon (libgpiod) v1.6.3\n')), {
    message: 'no GPIO character device labelled pinctrl-rp1; gpiodetect lists gpiochip0 [pinctrl-bcm2711], gpiochip1 [raspberrypi-exp-gpio]',
  });
  await assert.rejects(cdevChipByLabel('pinctrl-bcm2711', tools('gpiomon (libgpiod) v2.1\n')), /supports the libgpiod 1.x tools; gpiomon says "gpiomon \(libgpiod\) v2.1"/);
  const missing: ToolRunner = async () => {
    throw Object.assign(new Error('spawn gpiomon ENOENT'), { code: 'ENOENT' });
  };
  await assert.rejects(cdevChipByLabel('pinctrl-bcm2711', missing), /install the "gpiod" package/);
});

/** A stand-in for the gpiomon child: its stdout is fed by the test, kill() ends it. */
function fakeMonitor() {
  const child = new EventEmitter() as ChildProcess & EventEmitter;
  const stdout = new PassThrough();
  const signals: string[] = [];
  Object.assign(child, {
    stdout,
    stderr: new PassThrough(),
    kill(signal: string) {
      signals.push(signal);
      setImmediate(() => child.emit('exit', null, signal));
      return true;
    },
  });
  return { child, stdout, signals };
}

test('a pulled input sets the bias with gpioget, waits for gpiomon to hold the line, then follows its edges', async () => {
  const calls: string[] = [];
  let infoCalls = 0;
  const run: ToolRunner = async (tool, args) => {
    calls.push(`${tool} ${args.join(' ')}`);
    if (tool === 'gpioget') return '1\n';
    // gpiomon takes the line on the second look.
    return gpioinfo(++infoCalls >= 2 ? '"gpiomon"' : 'unused');
  };
  const monitor = fakeMonitor();
  const spawned: string[] = [];
  const line = await openPulledInput('gpiochip0', 22, 'up', {
    log,
    run,
    spawn: (tool, args) => (spawned.push(`${tool} ${args.join(' ')}`), monitor.child),
  });
  assert.deepEqual(calls, ['gpioget --bias=pull-up gpiochip0 22', 'gpioinfo gpiochip0', 'gpioinfo gpiochip0']);
  assert.deepEqual(spawned, ['gpiomon --bias=pull-up --line-buffered --format=%e gpiochip0 22']);
  assert.equal(await line.read(), 1);

  const seen: number[] = [];
  const stop = line.watch((level) => seen.push(level));
  monitor.stdout.write('0\n');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [0]);
  assert.equal(await line.read(), 0);
  stop();
  monitor.stdout.write('1\n');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [0], 'no listener after stop');
  assert.equal(await line.read(), 1);
  await assert.rejects(line.write(1), /gpiochip0 line 22 is an input: it cannot be written/);

  await line.close();
  assert.deepEqual(monitor.signals, ['SIGTERM']);
});

test('a gpiomon that dies makes read() fail instead of returning a stale level', async () => {
  const monitor = fakeMonitor();
  const line = await openPulledInput('gpiochip0', 22, 'down', {
    log,
    run: async (tool) => (tool === 'gpioget' ? '0\n' : gpioinfo('"gpiomon"')),
    spawn: () => monitor.child,
  });
  monitor.child.emit('exit', 1, null);
  await assert.rejects(line.read(), /gpiomon for gpiochip0 line 22 has stopped/);
  await line.close();
});
