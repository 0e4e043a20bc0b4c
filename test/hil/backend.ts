/**
 * hanode's linux backends (src/hardware/linux) against the kernel's own drivers: gpio-sim through
 * the GPIO sysfs and onoff, i2c-stub through i2c-dev and i2c-bus, spi-virt through spidev and
 * spi-device, w1-sim through w1_therm's sysfs files.
 */
import { pino } from 'pino';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinuxHardware } from '../../src/hardware/linux/index.js';
import { readGpioChips } from '../../src/hardware/linux/gpio-map.js';
import { parseCalibration, parseRawData, compensateTemperature, compensatePressure, compensateHumidity } from '../../src/hardware/datasheets/bme280-compensation.js';
import { mcp3008Frame, mcp3008Value } from '../../src/drivers-in/mcp3008.js';
import { parseW1Slave, parseTemperatureAttribute } from '../../src/drivers-in/w1-therm.js';
import type { Level } from '../../src/hardware/types.js';
import { check, expectEqual, expectNear, readText, waitFor } from './harness.js';
import * as sim from './sim.js';

/**
 * Interrupts taken so far on gpio-sim's lines, from /proc/interrupts: their chip column is
 * irq_sim, whichever interface (sysfs `gpiolib`, or a character-device consumer such as
 * `gpiomon`) requested them.
 */
export function simInterrupts(): number {
  let total = 0;
  for (const line of readText('/proc/interrupts').split('\n')) {
    if (!/\birq_sim\b/.test(line)) continue;
    const counts = line.trim().split(/\s+/).slice(1).filter((f) => /^\d+$/.test(f));
    // The per-CPU columns come first; stop at the first non-number (the chip name).
    total += counts.slice(0, sim.cpuCount()).reduce((sum, n) => sum + Number(n), 0);
  }
  return total;
}

export async function backendChecks(): Promise<void> {
  const hardware = createLinuxHardware({ log: pino({ level: 'silent' }) });

  // --- GPIO: gpio-sim bank labelled like a Pi 4's header chip -------------------------------
  await check('gpio: the gpio-sim bank is found by its label pinctrl-bcm2711, with 58 lines at a base of 512 or more', async () => {
    const chips = await readGpioChips('/sys');
    const chip = chips.find((c) => c.label === sim.GPIO_LABEL);
    if (!chip) throw new Error(`no chip labelled ${sim.GPIO_LABEL} in ${JSON.stringify(chips)}`);
    expectEqual(chip.ngpio, 58, 'ngpio');
    if (chip.base < 512) throw new Error(`base ${chip.base}, expected 512 or more`);
    expectEqual(chip.base, sim.gpioBase(), 'base (sysfs against the chip gpio-sim reports)');
  });

  const relay = await hardware.gpio.open(sim.RELAY_PIN, { direction: 'out', initial: 0 });
  await check(`gpio: an output on GPIO${sim.RELAY_PIN} drives the simulated line (sim_gpio${sim.RELAY_PIN}/value follows write 1, 0)`, async () => {
    expectEqual(sim.lineValue(sim.RELAY_PIN), 0, 'after opening with initial 0');
    await relay.write(1);
    expectEqual(sim.lineValue(sim.RELAY_PIN), 1, 'after write(1)');
    await relay.write(0);
    expectEqual(sim.lineValue(sim.RELAY_PIN), 0, 'after write(0)');
  });
  await relay.close();

  sim.setPull(sim.INPUT_PIN, 'pull-down');
  const input = await hardware.gpio.open(sim.INPUT_PIN, { direction: 'in', edge: 'both' });
  await check(`gpio: an input on GPIO${sim.INPUT_PIN} reads what the simulated pull drives`, async () => {
    expectEqual(await input.read(), 0, 'with pull-down');
    sim.setPull(sim.INPUT_PIN, 'pull-up');
    expectEqual(await input.read(), 1, 'with pull-up');
    sim.setPull(sim.INPUT_PIN, 'pull-down');
    expectEqual(await input.read(), 0, 'with pull-down again');
  });

  await check(`gpio: edges on GPIO${sim.INPUT_PIN} arrive through interrupts (one /proc/interrupts count per edge)`, async () => {
    const seen: Level[] = [];
    const stop = input.watch((level) => seen.push(level));
    try {
      const before = simInterrupts();
      for (const [pull, level] of [['pull-up', 1], ['pull-down', 0], ['pull-up', 1], ['pull-down', 0]] as const) {
        const n = seen.length;
        sim.setPull(sim.INPUT_PIN, pull);
        await waitFor(`the edge to ${level}`, 15_000, () => (seen.length > n ? true : undefined));
        expectEqual(seen.at(-1), level, `level delivered after ${pull}`);
      }
      const irqs = simInterrupts() - before;
      if (irqs < 4) throw new Error(`4 edges delivered but the gpio-sim interrupt count rose by ${irqs}: not interrupt driven`);
      expectEqual(readText(`/sys/class/gpio/gpio${sim.gpioBase() + sim.INPUT_PIN}/edge`), 'both', 'sysfs edge attribute');
    } finally {
      stop();
    }
  });
  await input.close();

  await check(`gpio: pull: up on the undriven GPIO${sim.BUTTON_PIN} (gpio-sim reads 0 without a bias) sets the bias through the character device and reads 1`, async () => {
    expectEqual(sim.lineValue(sim.BUTTON_PIN), 0, 'line value before any bias');
    const line = await hardware.gpio.open(sim.BUTTON_PIN, { direction: 'in', edge: 'both', pull: 'up' });
    try {
      expectEqual(await line.read(), 1, 'read()');
      expectEqual(sim.lineValue(sim.BUTTON_PIN), 1, 'line value with the bias');
      const seen: Level[] = [];
      const stop = line.watch((level) => seen.push(level));
      const before = simInterrupts();
      sim.setPull(sim.BUTTON_PIN, 'pull-down');
      await waitFor('the falling edge through gpiomon', 15_000, () => (seen.includes(0) ? true : undefined));
      expectEqual(await line.read(), 0, 'read() after the falling edge');
      if (simInterrupts() <= before) throw new Error('the edge arrived without a gpio-sim interrupt');
      stop();
    } finally {
      await line.close();
    }
  });
  await check(`gpio: pull: down on GPIO${sim.BUTTON_PIN + 1}, which gpio-sim pulls up, reads 0`, async () => {
    sim.setPull(sim.BUTTON_PIN + 1, 'pull-up');
    const line = await hardware.gpio.open(sim.BUTTON_PIN + 1, { direction: 'in', pull: 'down' });
    try {
      expectEqual(await line.read(), 0, 'read()');
      expectEqual(sim.lineValue(sim.BUTTON_PIN + 1), 0, 'line value with the bias');
    } finally {
      await line.close();
    }
  });
  sim.setPull(sim.BUTTON_PIN, 'pull-down');

  // --- I2C: i2c-stub register files --------------------------------------------------------
  const i2c = await hardware.i2c(0);
  await check('i2c: a scan of /dev/i2c-0 finds exactly the preloaded chips 0x20, 0x76, 0x77', async () => {
    expectEqual(await i2c.scan(), [0x20, 0x76, 0x77], 'addresses');
  });
  await check('i2c: register reads return the chip ids (BME280 0x60 at 0x76, BMP280 0x58 at 0x77)', async () => {
    expectEqual([...(await i2c.readRegister(0x76, 0xd0, 1))], [0x60], 'BME280 id');
    expectEqual([...(await i2c.readRegister(0x77, 0xd0, 1))], [0x58], 'BMP280 id');
  });
  await check('i2c: the BME280 calibration blocks (0x88, 26 bytes; 0xE1, 7 bytes) read back as the datasheet trimming values', async () => {
    const cal = parseCalibration(await i2c.readRegister(0x76, 0x88, 26), await i2c.readRegister(0x76, 0xe1, 7));
    expectEqual(cal, sim.BME280_CAL, 'calibration');
  });
  await check('i2c: the BME280 data burst (0xF7, 8 bytes) compensates to 25.08 °C, 1006.53 hPa, 56.2 %RH (datasheet example)', async () => {
    const cal = parseCalibration(await i2c.readRegister(0x76, 0x88, 26), await i2c.readRegister(0x76, 0xe1, 7));
    const raw = parseRawData(await i2c.readRegister(0x76, 0xf7, 8));
    expectEqual([raw.adcT, raw.adcP, raw.adcH], [sim.BME280_RAW.adcT, sim.BME280_RAW.adcP, sim.BME280_RAW.adcH], 'raw adc values');
    const { centiC, tFine } = compensateTemperature(raw.adcT, cal);
    expectEqual(centiC, 2508, 'temperature in 0.01 °C');
    expectNear(compensatePressure(raw.adcP, tFine, cal) / 256 / 100, 1006.5325, 0.0005, 'pressure in hPa');
    expectNear(compensateHumidity(raw.adcH, tFine, cal) / 1024, sim.BME280_HUMIDITY_DOUBLE, 0.02, 'humidity in %RH');
  });

  // --- SPI: spi-virt bound to spidev -------------------------------------------------------
  const spi = await hardware.spi(0, 0);
  await check('spi: an MCP3008 channel 0 frame goes out as 01 80 00 and the scripted answer decodes to 512', async () => {
    sim.setSpiResponse([0x00, 0x02, 0x00]);
    const rx = await spi.transfer(mcp3008Frame(0, false), { speedHz: 1_000_000, mode: 0 });
    expectEqual(sim.lastSpiFrame(), [0x01, 0x80, 0x00], 'frame the kernel saw');
    expectEqual(mcp3008Value(rx), 512, 'decoded value');
  });
  await check('spi: channel 5 goes out as 01 D0 00 and a new scripted answer (0x3FF) reads full scale', async () => {
    sim.setSpiResponse([0x00, 0x03, 0xff]);
    const rx = await spi.transfer(mcp3008Frame(5, false), { mode: 0 });
    expectEqual(sim.lastSpiFrame(), [0x01, 0xd0, 0x00], 'frame the kernel saw');
    expectEqual(mcp3008Value(rx), 1023, 'decoded value');
    sim.setSpiResponse([0x00, 0x02, 0x00]);
  });

  // --- 1-wire: w1-sim with two DS18B20s, read through w1_therm -----------------------------
  await check('1-wire: the backend lists both simulated DS18B20s', async () => {
    expectEqual(await hardware.oneWire.list(), [...sim.DS18B20_IDS], 'slave ids');
  });
  await check('1-wire: w1_slave reads 21.5 °C and -3.25 °C through w1_therm (CRC YES)', async () => {
    const [a, b] = sim.DS18B20_IDS;
    const ra = await hardware.oneWire.read(a);
    expectEqual(ra.kind, 'w1_slave', 'file read');
    expectEqual(parseW1Slave(ra.text), 21500, `${a} millidegrees`);
    expectEqual(parseW1Slave((await hardware.oneWire.read(b)).text), -3250, `${b} millidegrees`);
  });
  await check('1-wire: a changed temperature shows on the next conversion, and the temperature attribute agrees', async () => {
    const [a] = sim.DS18B20_IDS;
    sim.setW1Temperature(1, 30125);
    try {
      expectEqual(parseW1Slave((await hardware.oneWire.read(a)).text), 30125, 'w1_slave after the change');
      expectEqual(parseTemperatureAttribute(readText(join('/sys/bus/w1/devices', a, 'temperature'))), 30125, 'temperature attribute');
    } finally {
      sim.setW1Temperature(1, 21500);
    }
  });

  await check('backend: closing the linux hardware unexports every GPIO line it opened', async () => {
    await hardware.close();
    expectEqual(readdirSync('/sys/class/gpio').filter((n) => /^gpio\d+$/.test(n)), [], 'exported lines left');
  });
}
