/** The node's hardware as a service: opened first, closed last. */
import type { Logger } from 'pino';
import type { Service } from '../core/service.js';
import type { Hardware } from '../hardware/types.js';
import { createHardware } from '../hardware/index.js';

export interface HardwareServiceContext {
  /** `hardware` in hanode.yaml. */
  mode: 'auto' | 'linux' | 'sim';
  log: Logger;
  /** Use this hardware instead of opening one (tests). */
  given?: Hardware;
}

export class HardwareService implements Service {
  readonly name = 'hardware';
  #hardware?: Hardware;

  constructor(private readonly ctx: HardwareServiceContext) {
    this.#hardware = ctx.given;
  }

  /** The open hardware; only after start. */
  get hardware(): Hardware {
    if (!this.#hardware) throw new Error('the hardware is not open yet');
    return this.#hardware;
  }

  async start(): Promise<void> {
    this.#hardware ??= await createHardware(this.ctx.mode, { log: this.ctx.log });
  }

  async stop(): Promise<void> {
    await this.#hardware?.close().catch((err) => this.ctx.log.warn(`hardware: close failed: ${(err as Error).message}`));
  }
}
