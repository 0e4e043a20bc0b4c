/**
 * A DS18B20 as the Linux w1-therm driver shows it: the `w1_slave` text with the 9-byte
 * scratchpad (Maxim DS18B20 datasheet, "Memory", figure 9), the kernel's CRC verdict and `t=`.
 */
import { createHash } from 'node:crypto';
import type { SimDevice } from '../types.js';
import { expectModel, type SimModel } from '../board.js';
import { checkQuantities } from '../quantities.js';
import { crc8Dallas } from '../../datasheets/crc8.js';

const SPEC = {
  temperature: { type: 'number', min: -55, max: 125, unit: '°C' },
  fail: { type: 'boolean' },
} as const;

// TH/TL alarm registers and the config byte at their power-up defaults (12-bit resolution).
const TH = 0x4b;
const TL = 0x46;
const CONFIG_12_BIT = 0x7f;

export class Ds18b20Chip implements SimDevice {
  temperature = 21.5;
  /** When true the sensor stops answering: the bus reads all ones and the kernel's CRC says NO. */
  failing = false;

  constructor(readonly id: string) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('ds18b20', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
  }

  state(): Record<string, unknown> {
    return { id: this.id, temperature: this.temperature, fail: this.failing };
  }

  /** The scratchpad: temperature LSB/MSB as signed 1/16 °C (12-bit, table 2), TH, TL, config, reserved, CRC. */
  scratchpad(): number[] {
    if (this.failing) return Array.from({ length: 9 }, () => 0xff);
    const raw = Math.round(this.temperature * 16) & 0xffff;
    const bytes = [raw & 0xff, raw >> 8, TH, TL, CONFIG_12_BIT, 0xff, 0x10 - (raw & 0x0f), 0x10];
    return [...bytes, crc8Dallas(bytes)];
  }

  /** `w1_slave` as w1-therm formats it; `t=` is the kernel's raw·1000/16, truncated toward zero. */
  w1Slave(): string {
    const pad = this.scratchpad();
    const hex = pad.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const crc = crc8Dallas(pad.slice(0, 8));
    const verdict = crc === pad[8] ? 'YES' : 'NO';
    const raw = (pad[1]! << 8) | pad[0]!;
    const signed = raw & 0x8000 ? raw - 0x10000 : raw;
    return `${hex} : crc=${crc.toString(16).padStart(2, '0')} ${verdict}\n${hex} t=${Math.trunc((signed * 1000) / 16)}\n`;
  }
}

/** A stable, plausible sensor id for a scheme that names none: family 28 and 48 bits from its id. */
export function simSensorId(schemeId: string): string {
  return `28-${createHash('sha256').update(schemeId).digest('hex').slice(0, 12)}`;
}

/** Puts a DS18B20 with the scheme's `sensor_id` (or one made from the scheme id) on the 1-wire bus. */
export const attachDs18b20: SimModel = (board, id, options) => {
  const sensorId = typeof options.sensor_id === 'string' ? options.sensor_id : simSensorId(id);
  const place = `w1:${sensorId}`;
  const model = board.claim(
    place,
    () => {
      const chip = new Ds18b20Chip(sensorId);
      board.oneWire.place(chip);
      return chip;
    },
    () => board.oneWire.remove(sensorId),
  );
  return expectModel(model, Ds18b20Chip, place, 'ds18b20');
};
