import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pms5003 } from '../../src/drivers-in/pms5003.js';
import { Pms5003Parser, pms5003Checksum, pms5003Encode, PMS5003_WORDS, type Pms5003Reading } from '../../src/hardware/datasheets/pms5003.js';
import { LinuxSerialPorts } from '../../src/hardware/linux/serial.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import type { Pms5003Sensor } from '../../src/hardware/sim/chips/pms5003.js';
import type { SerialConnection, SerialPorts } from '../../src/hardware/types.js';
import { fakeHardware, inputContext, optionsFor } from './context.js';
import { attachScheme } from '../hardware/sim/attach.js';
import { ptyPair } from '../helpers/pty.js';

// A frame laid out as in the PMS5003 data manual, appendix I: start 0x42 0x4D, length 28,
// PM1.0/2.5/10 CF=1 = 5/8/10, atmospheric = 5/8/10, counts 0.3..10 µm = 1011/295/42/6/2/0,
// reserved word 0x9700, check code 0x02C0 = the sum of the 30 bytes before it.
const FRAME = Buffer.from([
  0x42, 0x4d, 0x00, 0x1c, 0x00, 0x05, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x05, 0x00, 0x08, 0x00, 0x0a,
  0x03, 0xf3, 0x01, 0x27, 0x00, 0x2a, 0x00, 0x06, 0x00, 0x02, 0x00, 0x00, 0x97, 0x00, 0x02, 0xc0,
]);
const PUBLISHED = { pm1_0: 5, pm2_5: 8, pm10: 10, particles_0_3: 1011, particles_0_5: 295, particles_1_0: 42, particles_2_5: 6, particles_5_0: 2, particles_10: 0 };

const parse = (...chunks: Buffer[]) => {
  const parser = new Pms5003Parser();
  const frames: Pms5003Reading[] = [];
  const bad: string[] = [];
  for (const c of chunks) parser.push(c, (f) => frames.push(f), (why) => bad.push(why));
  return { frames, bad };
};

test('pms5003: the check code is the sum of the first 30 bytes; the example frame decodes', () => {
  assert.equal(pms5003Checksum(FRAME), 0x02c0);
  const { frames, bad } = parse(FRAME);
  assert.deepEqual(bad, []);
  assert.equal(frames.length, 1);
  for (const [k, v] of Object.entries(PUBLISHED)) assert.equal(frames[0]![k as keyof Pms5003Reading], v, k);
  assert.equal(frames[0]!.pm2_5_cf1, 8);
  const reading = Object.fromEntries(PMS5003_WORDS.map((w) => [w, frames[0]![w]])) as Pms5003Reading;
  assert.deepEqual(pms5003Encode(reading).subarray(0, 28), FRAME.subarray(0, 28), 'encode is the inverse (the reserved word aside)');
});

test('pms5003: frames split anywhere, noise before them, a bad check code or length: resync on the next start', () => {
  const corrupt = Buffer.from(FRAME);
  corrupt[13] ^= 0x01; // PM2.5 atmospheric 8 → 9, check code unchanged
  const badLength = Buffer.from(FRAME);
  badLength[3] = 0x14;
  const stream = Buffer.concat([Buffer.from([0x00, 0x42, 0x42, 0xff]), corrupt, badLength, FRAME, FRAME.subarray(0, 7)]);
  const chunks = [stream.subarray(0, 5), stream.subarray(5, 40), stream.subarray(40, 41), stream.subarray(41)];
  const { frames, bad } = parse(...chunks, FRAME.subarray(7));
  assert.equal(frames.length, 2, 'the good frame and the one finished by the last chunk');
  assert.deepEqual(bad, ['check code 0x02c0, expected 0x02c1', 'frame length 20, expected 28']);
});

/** Serial ports whose one device sends `chunks` when opened. */
function fakeSerial(chunks: Buffer[]): { serial: SerialPorts; opened: [string, number][] } {
  const opened: [string, number][] = [];
  return {
    opened,
    serial: {
      async open(path, baud) {
        opened.push([path, baud]);
        const listeners: ((c: Buffer) => void)[] = [];
        setImmediate(() => chunks.forEach((c) => listeners.forEach((l) => l(c))));
        const conn: SerialConnection = { path, onData: (l) => (listeners.push(l), () => {}), onError: () => () => {}, write: async () => {}, close: async () => {} };
        return conn;
      },
    },
  };
}

test('pms5003: opens the port at 9600 and publishes the newest good frame', async () => {
  const newer = pms5003Encode({ ...(Object.fromEntries(PMS5003_WORDS.map((w) => [w, 0])) as Pms5003Reading), pm2_5: 31 });
  const { serial, opened } = fakeSerial([FRAME, newer]);
  const driver = pms5003.create(optionsFor(pms5003, { port: '/dev/ttyUSB0' }), inputContext(fakeHardware({ serial })));
  await driver.start();
  assert.equal((await driver.read!()).pm2_5, 31);
  assert.deepEqual(opened, [['/dev/ttyUSB0', 9600]]);
  await driver.stop();
});

test('pms5003: only bad frames within stale is a failed read that says what came instead', async () => {
  const corrupt = Buffer.from(FRAME);
  corrupt[31] ^= 0xff;
  const { serial } = fakeSerial([corrupt]);
  const driver = pms5003.create(optionsFor(pms5003, { port: '/dev/serial0', stale: '3s' }), inputContext(fakeHardware({ serial })));
  await driver.start();
  await assert.rejects(driver.read!(), /\/dev\/serial0: no good PMS5003 frame in the last 3 s \(1 bad frame\(s\), the last: check code 0x023f, expected 0x02c0\)/);
  await driver.stop();
  assert.throws(() => optionsFor(pms5003, { port: 'COM3' }), /expected a device path such as \/dev\/ttyUSB0/);
  assert.throws(() => optionsFor(pms5003, { port: '/dev/../etc/passwd' }), /cannot contain \.\./);
});

test('pms5003: round trip through the sim model, with a corrupted frame skipped', async () => {
  const hw = createSimHardware();
  const options = optionsFor(pms5003, { port: '/dev/serial0' });
  const sensor = attachScheme(hw, 'air', 'pms5003', options) as Pms5003Sensor;
  sensor.set({ pm1_0: 12, pm2_5: 25, pm10: 40 });
  sensor.corruptNextFrame();
  const driver = pms5003.create(options, inputContext(hw, 'air'));
  await driver.start();
  const r = await driver.read!();
  assert.deepEqual([r.pm1_0, r.pm2_5, r.pm10, r.particles_2_5], [12, 25, 40, 25]);
  await driver.stop();
  assert.equal(sensor.state().open, 0, 'the port is closed on stop');
});

test('pms5003: through the linux serial backend over a real pseudo-terminal pair (socat)', async () => {
  const pty = await ptyPair();
  const ports = new LinuxSerialPorts();
  const driver = pms5003.create(optionsFor(pms5003, { port: pty.a }), inputContext(fakeHardware({ serial: ports })));
  const sensor = await ports.open(pty.b, 9600);
  try {
    await driver.start();
    // Noise, then the frame cut in two writes, as a UART's bytes come.
    await sensor.write(Buffer.from([0x4d, 0x00, 0x42]));
    await sensor.write(FRAME.subarray(0, 11));
    await sensor.write(FRAME.subarray(11));
    assert.deepEqual(await driver.read!(), PUBLISHED);
  } finally {
    await driver.stop();
    await sensor.close();
    await pty.close();
  }
});
