/**
 * Reading the Linux w1-therm output of a DS18B20: pure functions, shared by the driver and the
 * sim (which writes the same text). Datasheet sections are those of the Maxim DS18B20 datasheet.
 */
import { crc8Dallas } from '../hardware/datasheets/crc8.js';

/** The power-on reset value of the temperature register (datasheet table 1: +85 °C). */
export const POWER_ON_MILLIDEGREES = 85000;

/** A failed read: the scheme counts it and keeps its last good state. */
export class W1ReadError extends Error {
  override name = 'W1ReadError';
}

const HEX_BYTES = '((?:[0-9a-f]{2} ){9})';
const CRC_LINE = new RegExp(`^${HEX_BYTES}: crc=([0-9a-f]{2}) (YES|NO)$`, 'i');
const TEMP_LINE = new RegExp(`^${HEX_BYTES}t=(-?\\d+)$`, 'i');

/**
 * Parses `w1_slave` ("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES" then "… t=23125") and returns the
 * temperature in millidegrees. Throws `W1ReadError` for every way the read can be bad: the
 * kernel's CRC verdict NO, a CRC that does not check out here either (the kernel line can be torn
 * on a noisy bus), an all-zero scratchpad (which passes the CRC but means no sensor answered:
 * config bits 0-4 always read 1, datasheet "Configuration register"), and the 85 °C power-on value.
 */
export function parseW1Slave(text: string): number {
  const lines = text.trim().split('\n').map((l) => l.trim());
  const head = CRC_LINE.exec(lines[0] ?? '');
  const tail = TEMP_LINE.exec(lines[1] ?? '');
  if (!head || !tail) throw new W1ReadError(`unreadable w1_slave text: ${JSON.stringify(text.slice(0, 120))}`);
  if (head[3]!.toUpperCase() !== 'YES') throw new W1ReadError('CRC check failed (the kernel reported crc NO)');
  const bytes = head[1]!.trim().split(' ').map((b) => Number.parseInt(b, 16));
  const computed = crc8Dallas(bytes.slice(0, 8));
  if (computed !== bytes[8]) {
    throw new W1ReadError(`CRC check failed (scratchpad crc ${hex(bytes[8]!)}, computed ${hex(computed)})`);
  }
  if ((bytes[4]! & 0x1f) !== 0x1f) throw new W1ReadError('sensor not responding (scratchpad config byte is invalid)');
  return checkMillidegrees(Number.parseInt(tail[2]!, 10));
}

/** Parses the plain `temperature` attribute (millidegrees) of newer kernels. */
export function parseTemperatureAttribute(text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new W1ReadError(`unreadable temperature text: ${JSON.stringify(trimmed.slice(0, 40))}`);
  return checkMillidegrees(Number.parseInt(trimmed, 10));
}

function checkMillidegrees(value: number): number {
  if (value === POWER_ON_MILLIDEGREES) {
    throw new W1ReadError('read the 85 °C power-on value: the conversion did not run (check power and wiring)');
  }
  return value;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
