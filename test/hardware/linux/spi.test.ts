import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLinuxSpi, type RawSpi, type RawSpiMessage } from '../../../src/hardware/linux/spi.js';
import { fixtureRoots } from './helpers.js';

/** Answers each byte with its complement, and records options and messages. */
function fakeSpi() {
  const log: string[] = [];
  const raw: RawSpi = {
    transfer(message: RawSpiMessage[], cb) {
      setImmediate(() => {
        for (const m of message) {
          log.push(`transfer ${m.byteLength}${m.speedHz ? ` @${m.speedHz}` : ''}`);
          for (let i = 0; i < m.byteLength; i++) m.receiveBuffer![i] = ~m.sendBuffer![i]! & 0xff;
        }
        cb(null, message);
      });
      return raw;
    },
    setOptions(options, cb) {
      log.push(`mode ${options.mode}`);
      setImmediate(() => cb(null));
      return raw;
    },
    close(cb) {
      log.push('close');
      setImmediate(() => cb(null));
    },
  };
  return { raw, log };
}

test('a missing spidev node says how to enable SPI', async () => {
  const { dev } = fixtureRoots('pi3');
  await assert.rejects(openLinuxSpi(0, 2, { devRoot: dev, open: async () => fakeSpi().raw }), {
    message: `${dev}/spidev0.2 does not exist: enable SPI with raspi-config or dtparam=spi=on`,
  });
  await assert.rejects(openLinuxSpi(0, 0, { devRoot: dev }), /spi-device can only open devices under \/dev/);
});

test('transfer is full duplex and sets the mode only when it changes', async () => {
  const { raw, log } = fakeSpi();
  const spi = await openLinuxSpi(0, 1, { devRoot: fixtureRoots('pi3').dev, open: async () => raw });
  assert.equal(spi.bus, 0);
  assert.equal(spi.device, 1);
  const rx = await spi.transfer(Buffer.from([0x01, 0x80, 0x00]), { mode: 0, speedHz: 1_350_000 });
  assert.deepEqual([...rx], [0xfe, 0x7f, 0xff]);
  await spi.transfer(Buffer.from([0x01]), { mode: 0 });
  await spi.transfer(Buffer.from([0x01]));
  await spi.transfer(Buffer.from([0x01]), { mode: 3 });
  await spi.close();
  assert.deepEqual(log, ['mode 0', 'transfer 3 @1350000', 'transfer 1', 'transfer 1', 'mode 3', 'transfer 1', 'close']);
});

test('a failed transfer rejects and does not block the next one', async () => {
  const { raw } = fakeSpi();
  const ok = raw.transfer.bind(raw);
  let calls = 0;
  raw.transfer = (message, cb) => (calls++ === 0 ? (setImmediate(() => cb(new Error('EIO'), message)), raw) : ok(message, cb));
  const spi = await openLinuxSpi(0, 0, { devRoot: fixtureRoots('pi3').dev, open: async () => raw });
  const [first, second] = await Promise.allSettled([spi.transfer(Buffer.from([1])), spi.transfer(Buffer.from([0x0f]))]);
  assert.equal(first.status, 'rejected');
  assert.match(String((first as PromiseRejectedResult).reason), /EIO/);
  assert.deepEqual(second, { status: 'fulfilled', value: Buffer.from([0xf0]) });
});
