/** Simulated PWM channels: they remember what was written, as sysfs would show it. */
import type { PwmChannel } from '../types.js';

export class SimPwmChannel implements PwmChannel {
  periodNs = 0;
  dutyNs = 0;
  enabled = false;
  fail = false;
  readonly history: { periodNs: number; dutyNs: number; enabled: boolean }[] = [];

  constructor(readonly chip: number, readonly channel: number) {}

  async configure(periodNs: number, dutyNs: number): Promise<void> {
    this.#check();
    if (dutyNs > periodNs) throw Object.assign(new Error('EINVAL, invalid argument (duty_cycle > period)'), { code: 'EINVAL' });
    this.periodNs = periodNs;
    this.dutyNs = dutyNs;
    this.history.push({ periodNs, dutyNs, enabled: this.enabled });
  }

  async enable(on: boolean): Promise<void> {
    this.#check();
    this.enabled = on;
    this.history.push({ periodNs: this.periodNs, dutyNs: this.dutyNs, enabled: on });
  }

  async close(): Promise<void> {
    this.enabled = false;
  }

  #check(): void {
    if (this.fail) throw Object.assign(new Error('EIO, i/o error (simulated PWM fault)'), { code: 'EIO' });
  }
}
