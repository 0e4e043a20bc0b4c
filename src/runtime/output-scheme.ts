/**
 * One running output scheme. Commands are applied one at a time in arrival order; a command with
 * `for` is undone after that long unless another command comes first.
 */
import { TemplateError } from '../core/template.js';
import type { Hardware } from '../hardware/types.js';
import { CommandError, type OutputDriver, type OutputDriverDef, type Reading, type CommonOptions, type Persist, type StateView } from '../core/driver.js';
import { parseDuration } from '../core/duration.js';
import { setLongTimeout, type LongTimer } from '../core/timers.js';
import { Supervised, type SupervisedContext } from './supervised.js';

export interface OutputSchemeContext extends SupervisedContext {
  def: OutputDriverDef<any, any>;
  options: CommonOptions & { restore?: boolean };
  hardware: Hardware;
  persist: Persist;
  states: StateView;
  /** The state saved before the last shutdown, used when `restore: true`. */
  restored?: Reading;
}

export class OutputScheme extends Supervised {
  #driver?: OutputDriver;
  #queue: Promise<unknown> = Promise.resolve();
  #revert?: LongTimer;

  constructor(private readonly ctx: OutputSchemeContext) {
    super(ctx);
  }

  /**
   * Validates and applies one normalised command; resolves with the new state.
   * Rejects with a message fit for `$error` when the command does not fit or the driver fails.
   */
  command(raw: Record<string, unknown>): Promise<Reading> {
    const parsed = this.ctx.def.command.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i: { path: PropertyKey[]; message: string }) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message);
      return Promise.reject(new Error(`invalid command for ${this.ctx.def.name}: ${issues.join('; ')}`));
    }
    const run = this.#queue.then(() => this.#apply(parsed.data as Record<string, unknown>));
    this.#queue = run.catch(() => {});
    return run;
  }

  protected async open(): Promise<void> {
    const { def, options, hardware, log, persist, states } = this.ctx;
    this.#driver = def.create(options, {
      id: this.id,
      hardware,
      log,
      persist,
      states,
      update: (state) => this.online && this.publishState(state, new Date(), 'output'),
    });
    // After a failure, come back in the state we last had; at boot, in the saved one if asked.
    const restored = this.lastState ?? (options.restore ? this.ctx.restored : undefined);
    const state = await this.#driver.start(restored);
    this.publishState(state, new Date(), 'output');
  }

  protected async close(): Promise<void> {
    this.#revert?.clear();
    const driver = this.#driver;
    this.#driver = undefined;
    await driver?.stop().catch((err) => this.ctx.log.debug({ err }, `${this.id}: stop failed`));
  }

  async #apply(command: Record<string, unknown>): Promise<Reading> {
    const driver = this.#driver;
    if (!driver || !this.online) throw new Error(`${this.id} is offline${this.lastError ? `: ${this.lastError}` : ''}`);
    this.#revert?.clear();
    const { for: hold, ...rest } = command;
    let state: Reading;
    try {
      state = await driver.apply(rest);
    } catch (err) {
      // A refused command says nothing about the device: report it, stay online.
      // So is a template in the command that does not parse or render (README "Templates").
      if (err instanceof CommandError || err instanceof TemplateError) throw new Error(`${this.id}: ${err.message}`);
      void this.fail(err, 'command');
      throw new Error(`${this.id}: ${(err as Error).message}`);
    }
    this.publishState(state, new Date(), 'output');
    const ms = parseDuration(hold);
    if (ms !== undefined && typeof state.state === 'string') {
      const back = state.state === 'ON' ? 'OFF' : 'ON';
      this.#revert = setLongTimeout(() => {
        this.#queue = this.#queue.then(() => this.#apply({ state: back })).catch((err) => this.ctx.log.warn(`${this.id}: revert failed: ${err.message}`));
      }, ms);
    }
    return state;
  }
}
