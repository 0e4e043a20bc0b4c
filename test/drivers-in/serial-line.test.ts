import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serialLine } from '../../src/drivers-in/serial-line.js';
import { SerialLines } from '../../src/hardware/datasheets/serial-lines.js';
import { LinuxSerialPorts } from '../../src/hardware/linux/serial.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { SerialLineDevice } from '../../src/hardware/sim/chips/serial-line.js';
import type { SerialConnection, SerialPorts } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';
import { ptyPair } from '../helpers/pty.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A port the test feeds by hand: `send` delivers one chunk to the driver. */
function handPort() {
  let listener: ((c: Buffer) => void) | undefined;
  let onError: ((e: Error) => void) | undefined;
  const opened: [string, number][] = [];
  const serial: SerialPorts = {
    async open(path, baud) {
      opened.push([path, baud]);
      const conn: SerialConnection = {
        path,
        onData: (l) => ((listener = l), () => (listener = undefined)),
        onError: (l) => ((onError = l), () => (onError = undefined)),
        write: async () => {},
        close: async () => {},
      };
      return conn;
    },
  };
  return { serial, opened, send: (text: string | Buffer) => listener!(Buffer.from(text)), error: (e: Error) => onError!(e) };
}

async function started(raw: Record<string, unknown>) {
  const port = handPort();
  const ctx = inputContext(fakeHardware({ serial: port.serial }));
  const driver = serialLine.create(optionsFor(serialLine, { port: '/dev/ttyUSB0', ...raw }), ctx);
  await driver.start();
  return { ...port, ctx, driver };
}

test('serial-line: lines split across chunks, CRLF trimmed, each published as it ends', async () => {
  const { ctx, send, opened, driver } = await started({ baud: 115200 });
  send('0004');
  send('713251\r\nABC');
  assert.deepEqual(ctx.emitted, [{ line: '0004713251' }]);
  send('\n\n');
  assert.deepEqual(ctx.emitted, [{ line: '0004713251' }, { line: 'ABC' }, { line: '' }]);
  assert.deepEqual(opened, [['/dev/ttyUSB0', 115200]]);
  await driver.stop();
});

test('serial-line: JSON fields picked with JSONPath; a line that is not JSON is skipped', async () => {
  const { ctx, send } = await started({ json: { temperature: '$.t', humidity: '$.h', label: '$.name' } });
  send('{"t": 21.5, "h": 40}\nnot json\n{"t": -3, "name": "shed"}\n');
  assert.deepEqual(ctx.emitted, [
    { temperature: 21.5, humidity: 40, label: null },
    { temperature: -3, humidity: null, label: 'shed' },
  ]);
});

test('serial-line: regex named groups, numbers as numbers, non-matching lines skipped; bad regexes refused', async () => {
  const { ctx, send } = await started({ regex: 'T=(?<temperature>[-0-9.]+) H=(?<humidity>[0-9.]+)(?: (?<note>\\w+))?', line_end: 'crlf' });
  send('boot v1.2\r\nT=-4.5 H=88 ok\r\nT=20 H=50\r\n');
  assert.deepEqual(ctx.emitted, [
    { temperature: -4.5, humidity: 88, note: 'ok' },
    { temperature: 20, humidity: 50, note: null },
  ]);
  assert.throws(() => optionsFor(serialLine, { port: '/dev/ttyUSB0', regex: 'T=([0-9]+)' }), /name at least one group/);
  assert.throws(() => optionsFor(serialLine, { port: '/dev/ttyUSB0', regex: '(?<Temp>[0-9]+)' }), /group name 'Temp' is not snake_case/);
  assert.throws(() => optionsFor(serialLine, { port: '/dev/ttyUSB0', regex: '(?<t>[0-9+)' }), /not a valid regular expression/);
  assert.throws(() => optionsFor(serialLine, { port: '/dev/ttyUSB0', regex: '(?<t>.*)', json: { t: '$.t' } }), /give json or regex, not both/);
});

test('serial-line: max_line — a line of exactly max_line bytes passes, one byte more fails the scheme', async () => {
  const lines: string[] = [];
  const splitter = new SerialLines('\n', 8);
  assert.equal(splitter.push(Buffer.from('12345678\n'), (l) => lines.push(l)), undefined);
  assert.match(splitter.push(Buffer.from('123456789\nok\n'), (l) => lines.push(l))!, /a line longer than max_line \(8 bytes\) came without a line end/);
  assert.deepEqual(lines, ['12345678', 'ok'], 'the long line is thrown away, the next one kept');
  // A runaway line is cut off without waiting for its end, and not reported twice.
  assert.match(splitter.push(Buffer.from('x'.repeat(20)), () => {})!, /max_line/);
  assert.equal(splitter.push(Buffer.from('x'.repeat(20)), () => {}), undefined);
  assert.equal(splitter.push(Buffer.from('tail\nnext\n'), (l) => lines.push(l)), undefined);
  assert.deepEqual(lines.at(-1), 'next', 'the rest of the runaway line is skipped, the next line kept');

  const { ctx, send } = await started({ max_line: 4 });
  send('abcd\nabcde\n');
  assert.deepEqual(ctx.emitted, [{ line: 'abcd' }]);
  assert.equal(ctx.failures.length, 1);
  assert.match(ctx.failures[0]!.message, /^\/dev\/ttyUSB0: a line longer than max_line \(4 bytes\)/);
});

test('serial-line: max_rate — exactly max_rate lines in a second are published, the next is dropped', async () => {
  const { ctx, send } = await started({ max_rate: 3 });
  send('1\n2\n3\n');
  assert.equal(ctx.emitted.length, 3, 'at the bound: all published');
  send('4\n');
  assert.deepEqual(ctx.emitted, [{ line: '1' }, { line: '2' }, { line: '3' }], 'past the bound: dropped');
  assert.throws(() => optionsFor(serialLine, { port: '/dev/ttyUSB0', max_rate: 1001 }), /1000/);
});

test('serial-line: a port error fails the scheme; stop closes the port', async () => {
  const { ctx, error, driver } = await started({});
  error(new Error('serial port /dev/ttyUSB0 closed: disconnected'));
  assert.equal(ctx.failures[0]?.message, 'serial port /dev/ttyUSB0 closed: disconnected');
  await driver.stop();
});

test('serial-line: round trip through the sim model, and a wrong baud rate caught by max_line', async () => {
  const hw = createSimHardware();
  const options = optionsFor(serialLine, { port: '/dev/ttyUSB1', max_line: 16 });
  const device = attachScheme(hw, 'reader', 'serial-line', options) as SerialLineDevice;
  const ctx = inputContext(hw, 'reader');
  const driver = serialLine.create(options, ctx);
  await driver.start();
  await settle();
  assert.deepEqual(ctx.emitted, [{ line: '0004713251' }], 'the device prints its line when opened');
  device.set({ line: 'card 42\nbadge 7' });
  await settle();
  assert.deepEqual(ctx.emitted.slice(1), [{ line: 'card 42' }, { line: 'badge 7' }]);
  device.set({ fail: true });
  await settle();
  assert.match(ctx.failures[0]!.message, /disconnected/);
  await driver.stop();
  assert.equal(device.state().open, 0);
  assert.throws(() => device.set({ level: 1 }), /unknown key 'level'; expected line, fail/);

  const wrong = optionsFor(serialLine, { port: '/dev/ttyUSB1', baud: 115200, max_line: 16 });
  const ctx2 = inputContext(hw, 'reader');
  const misread = serialLine.create(wrong, ctx2);
  await misread.start();
  for (let i = 0; i < 5; i++) device.set({ line: 'card 42' });
  await settle();
  assert.deepEqual(ctx2.emitted, [], 'noise at the wrong rate is never a line');
  assert.match(ctx2.failures[0]?.message ?? '', /max_line \(16 bytes\).*baud rate/);
  await misread.stop();
});

test('serial-line: through the linux serial backend over a real pseudo-terminal pair (socat)', async () => {
  const pty = await ptyPair();
  const ports = new LinuxSerialPorts();
  const ctx = inputContext(fakeHardware({ serial: ports }));
  const driver = serialLine.create(optionsFor(serialLine, { port: pty.a, baud: 115200, json: { t: '$.t' } }), ctx);
  const device = await ports.open(pty.b, 115200);
  try {
    await driver.start();
    await device.write(Buffer.from('{"t": 1'));
    await device.write(Buffer.from('9.25}\r\n{"t": 20}\n'));
    for (let i = 0; i < 200 && ctx.emitted.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(ctx.emitted, [{ t: 19.25 }, { t: 20 }]);
    assert.deepEqual(ctx.failures, []);
  } finally {
    await driver.stop();
    await device.close();
    await pty.close();
  }
  await assert.rejects(ports.open('/dev/pts/99999', 9600), /cannot open serial port \/dev\/pts\/99999 at 9600 baud/);
});
