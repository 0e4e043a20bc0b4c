/**
 * What every relay on one pin of an I2C expander does, whatever the chip: drive the restored (or
 * `initial`) state at start, take ON/OFF/TOGGLE (with `for`), honour `invert`, and leave the pin
 * as it is at stop, so a relay never drops because the agent restarts. The chip's own driver
 * (`pcf8574-out`, `mcp23017-out`) says only how one pin is set.
 */
import { z } from 'zod';
import type { OutputContext, OutputDriver } from '../core/driver.js';
import type { Level } from '../hardware/types.js';
import { duration } from '../schemes/pieces.js';

type OnOff = 'ON' | 'OFF';

/** The command a relay takes. */
export const relayCommand = z.strictObject({
  state: z.enum(['ON', 'OFF', 'TOGGLE']).describe('New state; TOGGLE flips the current one'),
  for: duration('Switch back to the previous state after this long').optional(),
});

/**
 * A relay's `create`: `open` finds the chip's shared port and returns how to drive this pin.
 * `driver` names it in errors.
 */
export function expanderRelay<O extends { initial: OnOff; invert: boolean }>(
  driver: string,
  open: (options: O, ctx: OutputContext) => Promise<(level: Level) => Promise<void>>,
): (options: O, ctx: OutputContext) => OutputDriver {
  return (options, ctx) => {
    let drive: ((level: Level) => Promise<void>) | undefined;
    let state: OnOff = options.initial;
    const level = (s: OnOff): Level => ((s === 'ON') !== options.invert ? 1 : 0);
    return {
      async start(restored) {
        const saved = restored?.state;
        const first: OnOff = saved === 'ON' || saved === 'OFF' ? saved : options.initial;
        const set = await open(options, ctx);
        await set(level(first));
        drive = set;
        state = first;
        return { state };
      },
      async apply(command) {
        if (!drive) throw new Error(`${driver} not started`);
        const wanted = command.state as OnOff | 'TOGGLE';
        const next: OnOff = wanted === 'TOGGLE' ? (state === 'ON' ? 'OFF' : 'ON') : wanted;
        await drive(level(next));
        state = next;
        return { state };
      },
      async stop() {
        // The pin keeps its level: a relay should not drop because the agent restarts.
        drive = undefined;
      },
    };
  };
}
