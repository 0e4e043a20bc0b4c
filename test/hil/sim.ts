/**
 * The simulated hardware's side of the HIL suite: what is wired where, the register contents
 * the I2C chips are preloaded with, and the knobs of gpio-sim, spi-virt and w1-sim.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeCalibration, type Bme280Calibration } from '../../src/hardware/datasheets/bme280-compensation.js';
import { readText, run, writeText } from './harness.js';

export const GPIO_LABEL = 'pinctrl-bcm2711';
export const RELAY_PIN = 17;
export const INPUT_PIN = 27;
export const BUTTON_PIN = 22;

export const I2C_BUS = 0;
export const DS18B20_IDS = ['28-0000000a1b2c', '28-0000000a1b2d'] as const;

/**
 * BMP280 datasheet 3.12 worked example (the BME280 shares its temperature and pressure
 * formulas), with the humidity trimming of a real BME280.
 */
export const BME280_CAL: Bme280Calibration = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
  H1: 75, H2: 370, H3: 0, H4: 313, H5: 50, H6: 30,
};
/** The worked example's adc_T and adc_P (25.08 °C, 100653 Pa), and a humidity reading. */
export const BME280_RAW = { adcT: 519888, adcP: 415148, adcH: 30000 };
/** Datasheet 8.1's floating-point humidity formula for the values above, worked out by hand. */
export const BME280_HUMIDITY_DOUBLE = 56.2063;

/** The 8 data bytes at 0xF7 (press msb, lsb, xlsb, temp msb, lsb, xlsb, hum msb, lsb). */
function bme280Data(raw: typeof BME280_RAW): number[] {
  const twenty = (v: number) => [(v >> 12) & 0xff, (v >> 4) & 0xff, (v & 0x0f) << 4];
  return [...twenty(raw.adcP), ...twenty(raw.adcT), (raw.adcH >> 8) & 0xff, raw.adcH & 0xff];
}

/** Fills an i2c-stub register file with SMBus byte-data writes (what i2c-stub understands). */
function fill(address: number, register: number, bytes: number[]): void {
  bytes.forEach((b, i) => run('i2cset', ['-y', String(I2C_BUS), `0x${address.toString(16)}`, `0x${(register + i).toString(16)}`, `0x${b.toString(16)}`]));
}

/** Preloads the BME280 at 0x76, the BMP280 at 0x77 and a PCF8574 port at 0x20. */
export function preloadI2c(): void {
  const { a, b } = encodeCalibration(BME280_CAL);
  for (const address of [0x76, 0x77]) {
    fill(address, 0x88, [...a]);
    fill(address, 0xf3, [0x00]); // status: no measurement or NVM copy running
    fill(address, 0xf7, bme280Data(BME280_RAW));
  }
  fill(0x76, 0xd0, [0x60]);
  fill(0x76, 0xe1, [...b]);
  fill(0x77, 0xd0, [0x58]);
  fill(0x20, 0x00, [0xff]);
}

// --- gpio-sim ------------------------------------------------------------------------------
const CONFIGFS = '/sys/kernel/config/gpio-sim/hil';

/** The bank's directory under the platform device, where sim_gpioN/{value,pull} live. */
function bankDir(): string {
  return join('/sys/devices/platform', readText(`${CONFIGFS}/dev_name`), readText(`${CONFIGFS}/bank0/chip_name`));
}

export const lineValue = (offset: number): number => Number(readText(join(bankDir(), `sim_gpio${offset}`, 'value')));
export const setPull = (offset: number, pull: 'pull-up' | 'pull-down'): void => writeText(join(bankDir(), `sim_gpio${offset}`, 'pull'), pull);

/** The bank's first GPIO number as debugfs lists it ("gpiochip0: GPIOs 966-1023, ... pinctrl-bcm2711:"). */
export function gpioBase(): number {
  const chip = readText(`${CONFIGFS}/bank0/chip_name`);
  const m = new RegExp(`^${chip}: GPIOs (\\d+)-\\d+`, 'm').exec(readText('/sys/kernel/debug/gpio'));
  if (!m) throw new Error(`${chip} not found in /sys/kernel/debug/gpio`);
  return Number(m[1]);
}

export const cpuCount = (): number => readText('/proc/interrupts').split('\n')[0]!.trim().split(/\s+/).length;

// --- spi-virt and w1-sim module parameters -------------------------------------------------
const SPI_PARAMS = '/sys/module/spi_virt/parameters';
export const setSpiResponse = (bytes: number[]): void => writeText(`${SPI_PARAMS}/response`, bytes.join(','));
export const lastSpiFrame = (): number[] => readText(`${SPI_PARAMS}/last_tx`).split(',').map(Number);

/** Sets DS18B20 number `n` (1 or 2) to `millidegrees`; the next convert T picks it up. */
export const setW1Temperature = (n: 1 | 2, millidegrees: number): void => writeText(`/sys/module/w1_sim/parameters/temp${n}`, String(millidegrees));

export const w1Slaves = (): string[] => readdirSync('/sys/bus/w1/devices').filter((n) => n.startsWith('28-')).sort();
