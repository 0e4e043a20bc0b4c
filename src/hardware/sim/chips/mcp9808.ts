/**
 * An MCP9808 at the register level (Microchip DS25095A, section 5): a register pointer, 16-bit
 * big-endian registers and the 8-bit resolution register. The ambient temperature register carries
 * the alert flags in bits 15-13, set against T_CRIT, T_UPPER and T_LOWER, which power up as 0 °C:
 * at room temperature a fresh chip reports T_A ≥ T_CRIT and T_A > T_UPPER, so the driver must mask them.
 */
import type { I2cChip } from '../i2c.js';
import type { SimDevice } from '../types.js';
import { checkQuantities } from '../quantities.js';
import { claimI2cChip, type SimModel } from '../board.js';

const REG = { config: 0x01, upper: 0x02, lower: 0x03, crit: 0x04, ambient: 0x05, manufacturer: 0x06, device: 0x07, resolution: 0x08 } as const;
const WRITABLE = new Set<number>([REG.config, REG.upper, REG.lower, REG.crit]);
/** Temperature steps by resolution code (register 0x08). */
const STEP = [0.5, 0.25, 0.125, 0.0625];

const SPEC = {
  temperature: { type: 'number', min: -40, max: 125, unit: '°C' },
  fail: { type: 'boolean' },
} as const;

/** A limit register (T_UPPER, T_LOWER, T_CRIT) in °C: 0.25 °C steps in bits 11-2, sign in bit 12. */
function limit(word: number): number {
  const raw = word & 0x1ffc;
  return (raw & 0x1000 ? raw - 0x2000 : raw) / 16;
}

/** A simulated MCP9808; `$sim` keys temperature, fail. */
export class Mcp9808Chip implements I2cChip, SimDevice {
  temperature = 21.5;
  failing = false;
  readonly regs = new Map<number, number>([
    [REG.config, 0x0000], [REG.upper, 0], [REG.lower, 0], [REG.crit, 0],
    [REG.manufacturer, 0x0054], [REG.device, 0x0400], [REG.resolution, 0x03],
  ]);
  #pointer = 0;

  set(quantities: Record<string, unknown>): void {
    const q = checkQuantities('mcp9808', quantities, SPEC);
    if (q.fail !== undefined) this.failing = q.fail as boolean;
    if (q.temperature !== undefined) this.temperature = q.temperature as number;
  }

  state(): Record<string, unknown> {
    return { temperature: this.temperature, resolution: STEP[this.regs.get(REG.resolution)! & 3], fail: this.failing };
  }

  /** The ambient temperature register for the current temperature, flags included (5.1.3). */
  ambient(): number {
    const step = STEP[this.regs.get(REG.resolution)! & 3]!;
    const t = Math.round(this.temperature / step) * step;
    const sixteenths = Math.round(t * 16) & 0x1fff; // 13-bit two's complement
    let flags = 0;
    if (t >= limit(this.regs.get(REG.crit)!)) flags |= 0x8000;
    if (t > limit(this.regs.get(REG.upper)!)) flags |= 0x4000;
    if (t < limit(this.regs.get(REG.lower)!)) flags |= 0x2000;
    return flags | sixteenths;
  }

  write(data: Buffer): void {
    if (data.length === 0) return;
    this.#pointer = data[0]! & 0x0f;
    if (this.#pointer === REG.resolution && data.length >= 2) this.regs.set(REG.resolution, data[1]! & 0x03);
    else if (WRITABLE.has(this.#pointer) && data.length >= 3) this.regs.set(this.#pointer, data.readUInt16BE(1));
  }

  read(length: number): Buffer {
    const out = Buffer.alloc(length);
    if (this.#pointer === REG.resolution) {
      out[0] = this.regs.get(REG.resolution)!;
      return out;
    }
    // In shutdown the last conversion stays in T_A; the sim simply keeps answering the set value.
    const value = this.#pointer === REG.ambient ? this.ambient() : (this.regs.get(this.#pointer) ?? 0);
    if (length >= 2) out.writeUInt16BE(value, 0);
    return out;
  }
}

/** Puts an MCP9808 at the scheme's bus and address. */
export const attachMcp9808: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'mcp9808', type: Mcp9808Chip, create: () => new Mcp9808Chip() });
