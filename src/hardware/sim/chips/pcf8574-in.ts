/**
 * What a `pcf8574-in` scheme sees of the shared PCF8574 model (pcf8574.ts): `$sim` keys p0…p7 set
 * what the outside world does to each pin (0 pulls it low, 1 lets the pull-up hold it high),
 * before the scheme's `invert`. With `int_pin`, the chip's open-drain INT output is wired to that
 * GPIO line, pulled up: it reads 0 while the chip asserts an interrupt.
 */
import { i2cPlace, type SimBoard, type SimModel } from '../board.js';
import type { SimDevice } from '../types.js';
import type { SimPin } from '../gpio.js';
import { checkQuantities } from '../quantities.js';
import { claimPcf8574, type Pcf8574Chip } from './pcf8574.js';

const PINS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] as const;
const SPEC = {
  ...Object.fromEntries(PINS.map((p) => [p, { type: 'level' as const }])),
  fail: { type: 'boolean' as const },
} as Record<(typeof PINS)[number] | 'fail', { type: 'level' | 'boolean' }>;

/** The `$sim` view of a pcf8574-in scheme: p0…p7 and fail. */
export class Pcf8574InputPins implements SimDevice {
  constructor(
    readonly chip: Pcf8574Chip,
    readonly int?: SimPin,
  ) {}

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('pcf8574-in', quantities, SPEC);
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
    let external = this.chip.external;
    PINS.forEach((name, i) => {
      const level = q[name];
      if (level !== undefined) external = level ? external | (1 << i) : external & ~(1 << i);
    });
    // All pins in one change, as one event on the wires: at most one interrupt.
    if (external !== this.chip.external) this.chip.setExternal(external);
  }

  /** Each pin's physical level, the whole port, and INT (0 while asserted) when it is wired. */
  state(): Record<string, unknown> {
    const levels = Object.fromEntries(PINS.map((name, i) => [name, (this.chip.port >> i) & 1]));
    return { ...levels, port: this.chip.port, ...(this.int ? { int: this.int.level } : {}), fail: this.chip.failing };
  }
}

/** Wires INT to the GPIO line `pin`: held high by its pull-up, low while the chip asserts INT. */
function wireInt(board: SimBoard, chip: Pcf8574Chip, place: string, pin: number | string): SimPin {
  const line = board.gpio.pin(pin);
  let stop: (() => void) | undefined;
  board.claim(
    `${place}:int:gpio${line.pin}`,
    () => {
      line.update(() => (line.external = chip.interrupt ? 0 : 1));
      stop = chip.onInterrupt((asserted) => line.update(() => (line.external = asserted ? 0 : 1)));
      return line;
    },
    () => stop?.(),
  );
  return line;
}

/** Puts the scheme on the PCF8574 at its bus and address, shared with pcf8574-out schemes. */
export const attachPcf8574In: SimModel = (board, _id, options) => {
  const { place } = i2cPlace(options);
  const chip = claimPcf8574(board, options, 'pcf8574-in');
  const intPin = options.int_pin as number | string | undefined;
  return new Pcf8574InputPins(chip, intPin === undefined ? undefined : wireInt(board, chip, place, intPin));
};
