/**
 * Simulated hardware PWM channels. They check what the kernel's sysfs PWM interface checks
 * (Documentation/driver-api/pwm.rst: duty_cycle never above period, no enable before a period is
 * set) and remember what was written, so a PWM driver's order of writes is tested in the sim too.
 */
import type { PwmChannel } from '../types.js';
import type { SimDevice } from './types.js';
import { checkQuantities } from './quantities.js';

function invalid(what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EINVAL, invalid argument (${what})`), { code: 'EINVAL', errno: 22 });
}

export class SimPwmChannel implements PwmChannel {
  periodNs = 0;
  dutyNs = 0;
  enabled = false;
  fail = false;
  /** Every configuration and enable, oldest first (the last 100). */
  readonly history: { periodNs: number; dutyNs: number; enabled: boolean }[] = [];

  constructor(readonly chip: number, readonly channel: number) {}

  async configure(periodNs: number, dutyNs: number): Promise<void> {
    this.#check();
    if (!Number.isInteger(periodNs) || !Number.isInteger(dutyNs)) throw invalid('sysfs takes whole nanoseconds');
    if (periodNs <= 0) throw invalid('period must be positive');
    if (dutyNs < 0 || dutyNs > periodNs) throw invalid('duty_cycle > period');
    this.periodNs = periodNs;
    this.dutyNs = dutyNs;
    this.#record();
  }

  async enable(on: boolean): Promise<void> {
    this.#check();
    if (on && this.periodNs === 0) throw invalid('enable before a period is set');
    this.enabled = on;
    this.#record();
  }

  async close(): Promise<void> {
    this.enabled = false;
  }

  #record(): void {
    this.history.push({ periodNs: this.periodNs, dutyNs: this.dutyNs, enabled: this.enabled });
    if (this.history.length > 100) this.history.shift();
  }

  #check(): void {
    if (this.fail) throw Object.assign(new Error('EIO, i/o error (simulated PWM fault)'), { code: 'EIO', errno: 5 });
  }
}

const SPEC = { fail: { type: 'boolean' } } as const;

/**
 * What a `pwm` or `servo` scheme sees of its channel. The scheme drives it, so only `fail` can be
 * set; the state shows the waveform as a scope would: period, duty, frequency and pulse width.
 */
export class SimPwmOutput implements SimDevice {
  constructor(
    readonly pwm: SimPwmChannel,
    private readonly label: string,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities(this.label, quantities, SPEC);
    if (q.fail !== undefined) this.pwm.fail = q.fail as boolean;
  }

  state(): Record<string, unknown> {
    const { periodNs, dutyNs, enabled, fail } = this.pwm;
    return {
      chip: this.pwm.chip,
      channel: this.pwm.channel,
      period_ns: periodNs,
      duty_ns: dutyNs,
      enabled,
      frequency: periodNs ? 1e9 / periodNs : 0,
      duty_pct: periodNs && enabled ? (100 * dutyNs) / periodNs : 0,
      pulse_us: enabled ? dutyNs / 1000 : 0,
      fail,
    };
  }
}
