/**
 * An SCD40/SCD41 at the command level (Sensirion SCD4x datasheet, section 3). After
 * start_periodic_measurement it produces a measurement every period; get_data_ready_status says
 * whether one waits, and read_measurement takes it (three CRC-protected words). As on the real
 * chip, commands other than read, data-ready, ambient pressure and stop are NACKed while periodic
 * measurement runs, and set_sensor_altitude is only taken in idle mode.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { remoteIoError } from '../errors.js';
import { crc8Sensirion } from '../../datasheets/crc8.js';
import { SCD4X } from '../../datasheets/scd4x.js';
import { claimI2cChip, type SimModel } from '../board.js';

/**
 * The real chip measures every 5 s (3.5.1); the sim every 300 ms so a demo's first reading does
 * not keep anyone waiting. Drivers must not depend on either: they ask get_data_ready_status.
 */
const PERIOD_MS = 300;
const WHILE_PERIODIC = new Set<number>([SCD4X.readMeasurement, SCD4X.dataReady, SCD4X.setAmbientPressure, SCD4X.stopPeriodic]);

const SPEC = {
  co2: { type: 'number', min: 0, max: 40000, unit: 'ppm' },
  temperature: { type: 'number', min: -10, max: 60, unit: '°C' },
  humidity: { type: 'number', min: 0, max: 100, unit: '%RH' },
  fail: { type: 'boolean' },
} as const;

/** A simulated SCD4x; `$sim` keys co2, temperature, humidity, fail. */
export class Scd4xChip implements I2cChip, SimDevice {
  co2 = 650;
  temperature = 21.5;
  humidity = 45;
  failing = false;
  periodic = false;
  /** The last set_sensor_altitude (m) and set_ambient_pressure (hPa) taken. */
  altitude = 0;
  pressure: number | undefined;
  readonly commands: number[] = [];
  #startedAt = 0;
  #taken = 0;
  #pending: Buffer | undefined;

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('scd4x', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.co2 !== undefined) this.co2 = Math.round(q.co2 as number);
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
    if (q.humidity !== undefined) this.humidity = q.humidity as number;
  }

  state(): Record<string, unknown> {
    return { co2: this.co2, temperature: this.temperature, humidity: this.humidity, periodic: this.periodic, altitude: this.altitude, pressure: this.pressure ?? null, fail: this.failing };
  }

  /** Measurements made since start that nobody read yet: the count the data-ready word reflects. */
  #ready(): boolean {
    return this.periodic && Math.floor((performance.now() - this.#startedAt) / PERIOD_MS) > this.#taken;
  }

  write(data: Buffer): void {
    if (data.length < 2) return;
    const code = data.readUInt16BE(0);
    if (this.periodic && !WHILE_PERIODIC.has(code)) throw remoteIoError(1, 0x62);
    const arg = data.length >= 5 && crc8Sensirion(data.subarray(2, 4)) === data[4] ? data.readUInt16BE(2) : undefined;
    this.commands.push(code);
    this.#pending = undefined;
    if (code === SCD4X.startPeriodic) {
      this.periodic = true;
      this.#startedAt = performance.now();
      this.#taken = 0;
    } else if (code === SCD4X.stopPeriodic) this.periodic = false;
    else if (code === SCD4X.dataReady) this.#pending = Buffer.from(word(this.#ready() ? 0x8006 : 0x8000));
    else if (code === SCD4X.readMeasurement && this.#ready()) {
      this.#taken = Math.floor((performance.now() - this.#startedAt) / PERIOD_MS);
      const ticks = (v: number) => Math.min(0xffff, Math.max(0, Math.round(v * 2 ** 16)));
      this.#pending = Buffer.from([...word(this.co2), ...word(ticks((this.temperature + 45) / 175)), ...word(ticks(this.humidity / 100))]);
    } else if (code === SCD4X.setAltitude && arg !== undefined) this.altitude = arg;
    else if (code === SCD4X.setAmbientPressure && arg !== undefined) this.pressure = arg;
  }

  read(length: number): Buffer {
    // Nothing to answer (read_measurement with no data waiting): the read is NACKed.
    if (!this.#pending) throw remoteIoError(1, 0x62);
    const out = Buffer.alloc(length, 0xff);
    this.#pending.copy(out, 0, 0, Math.min(length, this.#pending.length));
    this.#pending = undefined;
    return out;
  }
}

const word = (v: number) => [(v >> 8) & 0xff, v & 0xff, crc8Sensirion([(v >> 8) & 0xff, v & 0xff])];

/** Puts an SCD4x at the scheme's bus and address. */
export const attachScd4x: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'scd4x', type: Scd4xChip, create: () => new Scd4xChip() });
