/** The sim's system facts: a plausible Raspberry Pi 4 whose CPU temperature and load can be set. */
import { hostname } from 'node:os';
import type { SystemFacts, SystemSource } from '../types.js';
import type { SimDevice } from './types.js';
import { checkQuantities } from './quantities.js';
import { ioError } from './errors.js';

const SPEC = {
  cpu_temp: { type: 'number', min: -40, max: 125, unit: '°C', nullable: true },
  load1: { type: 'number', min: 0, max: 1000 },
  mem_used_pct: { type: 'number', min: 0, max: 100, unit: '%' },
  disk_used_pct: { type: 'number', min: 0, max: 100, unit: '%' },
  fail: { type: 'boolean' },
} as const;

type Settable = Pick<SystemFacts, 'cpu_temp' | 'load1' | 'mem_used_pct' | 'disk_used_pct'>;

export class SimSystem implements SystemSource, SimDevice {
  readonly #bootedAt = Date.now() - 3_600_000; // as if booted an hour ago
  #values: Settable = { cpu_temp: 47.2, load1: 0.31, mem_used_pct: 23.4, disk_used_pct: 41.7 };
  failing = false;

  /** The facts whatever `fail` says, for `scan`. */
  snapshot(): SystemFacts {
    return {
      hostname: hostname(),
      model: 'Raspberry Pi 4 Model B (simulated)',
      kernel: '6.6.51+rpt-rpi-v8',
      arch: 'arm64',
      ...this.#values,
      uptime: Math.floor((Date.now() - this.#bootedAt) / 1000),
    };
  }

  async facts(): Promise<SystemFacts> {
    if (this.failing) throw ioError('reading /sys/class/thermal and /proc');
    return this.snapshot();
  }

  set(quantities: Record<string, unknown>): void {
    const { fail, ...values } = checkQuantities('system', quantities, SPEC);
    if (fail !== undefined) this.failing = fail as boolean;
    this.#values = { ...this.#values, ...(values as Partial<Settable>) };
  }

  state(): Record<string, unknown> {
    return { ...this.#values, fail: this.failing };
  }
}
