/**
 * An MCP3008 8-channel 10-bit ADC, modelled bit by bit on the SPI wire (Microchip MCP3008
 * datasheet, section 5 "Serial communication"): after CS falls the chip waits for a start bit,
 * takes SGL/DIFF and D2..D0, samples for one clock, sends a null bit, then B9..B0 MSB first,
 * then (CS still low) B1..B9 LSB first, then zeros. Any byte alignment of the frame works, as on
 * the real chip.
 */
import type { SpiChip } from '../spi.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { expectModel, numberOption, type SimModel } from '../board.js';

export const MCP3008_CHANNELS = 8;

export class Mcp3008Chip implements SpiChip {
  /** Voltage on CH0..CH7. */
  readonly voltages: number[] = Array.from({ length: MCP3008_CHANNELS }, () => 0);
  /** The voltage on the VREF pin. */
  vref = 3.3;
  failing = false;

  /** The conversion result for one input (datasheet equation 4-1: code = 1024·VIN / VREF). */
  code(vin: number): number {
    return Math.min(1023, Math.max(0, Math.round((vin / this.vref) * 1024)));
  }

  /**
   * Datasheet table 5-2: single-ended reads CHn against VSS; differential code n reads
   * IN+ = CHn against IN- = CH(n xor 1). A negative difference converts to 0.
   */
  convert(single: boolean, channel: number): number {
    const plus = this.voltages[channel]!;
    return this.code(single ? plus : plus - this.voltages[channel ^ 1]!);
  }

  transfer(tx: Buffer): Buffer {
    const rx = Buffer.alloc(tx.length);
    const bits = tx.length * 8;
    const bitAt = (i: number) => (tx[i >> 3]! >> (7 - (i & 7))) & 1;
    let start = 0;
    while (start < bits && bitAt(start) === 0) start++;
    if (start + 4 >= bits) return rx; // no complete command: DOUT stays high-impedance, read as 0
    const single = bitAt(start + 1) === 1;
    const channel = (bitAt(start + 2) << 2) | (bitAt(start + 3) << 1) | bitAt(start + 4);
    const value = this.convert(single, channel);
    // Clock after D0 samples; the next one carries the null bit; B9 follows (figure 5-1).
    const msbFirst = start + 7;
    for (let i = msbFirst; i < bits; i++) {
      const k = i - msbFirst;
      let bit = 0;
      if (k < 10) bit = (value >> (9 - k)) & 1;
      else if (k < 19) bit = (value >> (k - 9)) & 1; // B1..B9 LSB first (figure 5-2)
      if (bit) rx[i >> 3] = rx[i >> 3]! | (0x80 >> (i & 7));
    }
    return rx;
  }
}

const SPEC = {
  voltage: { type: 'number', min: 0, max: 5.5, unit: 'V' },
  fail: { type: 'boolean' },
} as const;

/** What one scheme sees of a shared MCP3008: its own channel. */
export class Mcp3008Channel implements SimDevice {
  constructor(
    readonly chip: Mcp3008Chip,
    readonly channel: number,
    readonly differential: boolean,
  ) {}

  /**
   * `voltage` is what the scheme measures: CHn against ground, or in differential mode IN+
   * against IN- (IN+ is moved, IN- stays where it is).
   */
  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('mcp3008', quantities, SPEC);
    if (q.fail !== undefined) this.chip.failing = q.fail as boolean;
    if (q.voltage !== undefined) {
      const base = this.differential ? this.chip.voltages[this.channel ^ 1]! : 0;
      this.chip.voltages[this.channel] = base + (q.voltage as number);
    }
  }

  state(): Record<string, unknown> {
    const voltage = this.chip.voltages[this.channel]! - (this.differential ? this.chip.voltages[this.channel ^ 1]! : 0);
    return {
      voltage,
      raw: this.chip.convert(!this.differential, this.channel),
      channel: this.channel,
      vref: this.chip.vref,
      fail: this.chip.failing,
    };
  }
}

/** Puts an MCP3008 on the scheme's SPI bus and chip select; schemes on other channels share it. */
export const attachMcp3008: SimModel = (board, _id, options) => {
  const bus = numberOption(options, 'bus');
  const device = numberOption(options, 'device');
  const place = `spi:${bus}.${device}`;
  const spi = board.spiDevice(bus, device);
  const model = board.claim(
    place,
    () => (spi.chip = new Mcp3008Chip()),
    () => (spi.chip = undefined),
  );
  const chip = expectModel(model, Mcp3008Chip, place, 'mcp3008');
  // One VREF pin per chip: the scheme attached last decides, as it would be one wire on a real board.
  chip.vref = numberOption(options, 'vref');
  return new Mcp3008Channel(chip, numberOption(options, 'channel'), options.differential === true);
};
