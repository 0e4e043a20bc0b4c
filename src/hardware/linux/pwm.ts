/**
 * Hardware PWM through sysfs (`/sys/class/pwm/pwmchipN`), as the kernel's pwm overlays expose it
 * (`dtoverlay=pwm-2chan` on a Pi 4: GPIO18 is pwmchip0/pwm0, GPIO19 pwm1). The attributes follow
 * the kernel's Documentation/driver-api/pwm.rst: `export`/`unexport` on the chip, then `period`,
 * `duty_cycle` (both in ns) and `enable` on the channel.
 */
import { access, constants, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { PwmChannel } from '../types.js';

export interface LinuxPwmOptions {
  /** How long to wait for the channel's files after exporting it (udev sets their rights). Default 1 s. */
  readyTimeoutMs?: number;
  /** Writes one sysfs attribute; tests replace it to check the order of writes. */
  write?: (path: string, value: string) => Promise<void>;
}

const usable = (path: string) => access(path, constants.W_OK).then(() => true, () => false);

async function readNumber(path: string): Promise<number> {
  return Number((await readFile(path, 'utf8').catch(() => '0')).trim()) || 0;
}

export class LinuxPwmChannel implements PwmChannel {
  readonly #chipDir: string;
  readonly #dir: string;
  readonly #write: (path: string, value: string) => Promise<void>;
  readonly #readyTimeoutMs: number;
  // What the kernel holds now, so that each change is written in an order it accepts.
  #period = 0;
  #duty = 0;
  #enabled = false;
  #open = false;

  private constructor(sysRoot: string, readonly chip: number, readonly channel: number, options: LinuxPwmOptions) {
    this.#chipDir = join(sysRoot, 'class/pwm', `pwmchip${chip}`);
    this.#dir = join(this.#chipDir, `pwm${channel}`);
    this.#write = options.write ?? ((path, value) => writeFile(path, value));
    this.#readyTimeoutMs = options.readyTimeoutMs ?? 1000;
  }

  /** Exports the channel if it is not yet, waits for its files and reads what it is set to. */
  static async open(sysRoot: string, chip: number, channel: number, options: LinuxPwmOptions = {}): Promise<LinuxPwmChannel> {
    const pwm = new LinuxPwmChannel(sysRoot, chip, channel, options);
    await pwm.#export();
    return pwm;
  }

  /** Sets period and duty cycle in ns. Throws a RangeError unless 0 ≤ duty ≤ period and period > 0. */
  async configure(periodNs: number, dutyNs: number): Promise<void> {
    const period = Math.round(periodNs);
    const duty = Math.round(dutyNs);
    if (!(period > 0) || !(duty >= 0) || duty > period) {
      throw new RangeError(`PWM needs 0 ≤ duty ≤ period and period > 0, got period ${periodNs} ns, duty ${dutyNs} ns`);
    }
    await this.#export();
    // The kernel refuses any write that would leave duty_cycle above period, even for a moment:
    // when the period shrinks below the current duty, the duty has to go first.
    if (period < this.#duty) {
      await this.#set('duty_cycle', duty);
      await this.#set('period', period);
    } else {
      await this.#set('period', period);
      await this.#set('duty_cycle', duty);
    }
  }

  async enable(on: boolean): Promise<void> {
    await this.#export();
    if (on === this.#enabled) return;
    await this.#write(join(this.#dir, 'enable'), on ? '1' : '0');
    this.#enabled = on;
  }

  /** Stops the output and gives the channel back; a later configure or enable exports it again. */
  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.#write(join(this.#dir, 'enable'), '0').catch(() => {});
    this.#enabled = false;
    await this.#write(join(this.#chipDir, 'unexport'), String(this.channel)).catch(() => {});
  }

  async #export(): Promise<void> {
    if (this.#open) return;
    if (!(await usable(join(this.#chipDir, 'export')))) {
      throw Object.assign(new Error(`${this.#chipDir} is missing or not writable: enable hardware PWM with dtoverlay=pwm or pwm-2chan in config.txt, and add the user to the gpio group`), { code: 'ENOENT' });
    }
    const period = join(this.#dir, 'period');
    if (!(await usable(period))) {
      // Exporting an exported channel fails with EBUSY; that only means someone was quicker.
      await this.#write(join(this.#chipDir, 'export'), String(this.channel)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EBUSY') throw err;
      });
      const deadline = Date.now() + this.#readyTimeoutMs;
      while (!(await usable(period))) {
        if (Date.now() > deadline) throw new Error(`${this.#dir} did not become writable after exporting channel ${this.channel}`);
        await sleep(20);
      }
    }
    this.#period = await readNumber(period);
    this.#duty = await readNumber(join(this.#dir, 'duty_cycle'));
    this.#enabled = (await readNumber(join(this.#dir, 'enable'))) === 1;
    this.#open = true;
  }

  async #set(attr: 'period' | 'duty_cycle', value: number): Promise<void> {
    if ((attr === 'period' ? this.#period : this.#duty) === value) return;
    await this.#write(join(this.#dir, attr), String(value));
    if (attr === 'period') this.#period = value;
    else this.#duty = value;
  }
}
