/**
 * Hardware PWM through sysfs (`/sys/class/pwm/pwmchipN`), as the kernel's pwm overlays expose it
 * (`dtoverlay=pwm-2chan` on a Pi 4: GPIO18 is pwmchip0/pwm0, GPIO19 pwm1).
 */
import { access, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PwmChannel } from '../types.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

export class LinuxPwmChannel implements PwmChannel {
  readonly #dir: string;
  #period = 0;
  #duty = 0;

  private constructor(readonly chip: number, readonly channel: number, private readonly chipDir: string) {
    this.#dir = join(chipDir, `pwm${channel}`);
  }

  /** Exports the channel if needed; the attribute files appear a moment later (udev sets their rights). */
  static async open(sysRoot: string, chip: number, channel: number): Promise<LinuxPwmChannel> {
    const chipDir = join(sysRoot, 'class/pwm', `pwmchip${chip}`);
    if (!(await exists(chipDir))) {
      throw new Error(`${chipDir} does not exist: enable hardware PWM with dtoverlay=pwm or pwm-2chan in config.txt`);
    }
    const pwm = new LinuxPwmChannel(chip, channel, chipDir);
    if (!(await exists(pwm.#dir))) {
      await writeFile(join(chipDir, 'export'), String(channel));
      for (let i = 0; i < 50 && !(await exists(join(pwm.#dir, 'period'))); i++) await new Promise((r) => setTimeout(r, 20));
      if (!(await exists(join(pwm.#dir, 'period')))) throw new Error(`${pwm.#dir} did not appear after exporting channel ${channel}`);
    }
    pwm.#period = Number((await readFile(join(pwm.#dir, 'period'), 'utf8').catch(() => '0')).trim()) || 0;
    pwm.#duty = Number((await readFile(join(pwm.#dir, 'duty_cycle'), 'utf8').catch(() => '0')).trim()) || 0;
    return pwm;
  }

  async configure(periodNs: number, dutyNs: number): Promise<void> {
    const period = Math.round(periodNs);
    const duty = Math.round(Math.min(dutyNs, periodNs));
    // The kernel rejects a duty cycle longer than the period at every moment, so the order matters.
    if (period < this.#duty) {
      await this.#write('duty_cycle', duty);
      await this.#write('period', period);
    } else {
      if (period !== this.#period) await this.#write('period', period);
      await this.#write('duty_cycle', duty);
    }
    this.#period = period;
    this.#duty = duty;
  }

  async enable(on: boolean): Promise<void> {
    await this.#write('enable', on ? 1 : 0);
  }

  async close(): Promise<void> {
    await this.enable(false).catch(() => {});
    await writeFile(join(this.chipDir, 'unexport'), String(this.channel)).catch(() => {});
  }

  #write(attr: string, value: number): Promise<void> {
    return writeFile(join(this.#dir, attr), String(value));
  }
}
