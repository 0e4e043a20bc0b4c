/**
 * The Plantower PMS5003 active-mode frame (PMS5003 data manual, appendix I): 32 bytes, start
 * characters 0x42 0x4D, a frame length of 28 (2 × 13 data words + 2), thirteen 16-bit words,
 * and a check code that is the sum of every byte before it. Words are big-endian.
 */
export const PMS5003_FRAME = 32;
const START = [0x42, 0x4d];
const LENGTH = 2 * 13 + 2;

/** The data words in frame order (word 13 is reserved). */
export const PMS5003_WORDS = [
  'pm1_0_cf1', 'pm2_5_cf1', 'pm10_cf1', // µg/m³, "CF=1, standard particle" (factory use)
  'pm1_0', 'pm2_5', 'pm10', // µg/m³ under atmospheric environment
  'particles_0_3', 'particles_0_5', 'particles_1_0', 'particles_2_5', 'particles_5_0', 'particles_10', // per 0.1 L of air
] as const;

export type Pms5003Reading = Record<(typeof PMS5003_WORDS)[number], number>;

/** The check code: the 16-bit sum of the first 30 bytes. */
export function pms5003Checksum(frame: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < PMS5003_FRAME - 2; i++) sum += frame[i]!;
  return sum & 0xffff;
}

/** A frame carrying `reading` (for the sim and tests). */
export function pms5003Encode(reading: Pms5003Reading): Buffer {
  const frame = Buffer.alloc(PMS5003_FRAME);
  frame.set(START, 0);
  frame.writeUInt16BE(LENGTH, 2);
  PMS5003_WORDS.forEach((name, i) => frame.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(reading[name]))), 4 + 2 * i));
  frame.writeUInt16BE(pms5003Checksum(frame), 30);
  return frame;
}

/**
 * Cuts frames out of a byte stream, resynchronising on the start characters after noise or a bad
 * frame: a frame whose length or check code is wrong is reported and skipped by one byte, so a
 * start pattern inside it is still found. Never holds more than one frame of bytes.
 */
export class Pms5003Parser {
  #pending = Buffer.alloc(0);

  /** Feeds `chunk`; calls `frame` with each good frame's words and `bad` with the reason for each bad one. */
  push(chunk: Buffer, frame: (r: Pms5003Reading) => void, bad: (why: string) => void): void {
    let buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    for (;;) {
      const start = findStart(buf);
      if (start < 0) {
        // Keep a trailing 0x42: it may be the first half of a start pattern.
        buf = buf.length && buf[buf.length - 1] === START[0] ? buf.subarray(buf.length - 1) : Buffer.alloc(0);
        break;
      }
      buf = buf.subarray(start);
      if (buf.length < 4) break;
      const length = buf.readUInt16BE(2);
      if (length !== LENGTH) {
        bad(`frame length ${length}, expected ${LENGTH}`);
        buf = buf.subarray(1);
        continue;
      }
      if (buf.length < PMS5003_FRAME) break;
      const sum = pms5003Checksum(buf);
      const check = buf.readUInt16BE(30);
      if (sum !== check) {
        bad(`check code 0x${check.toString(16).padStart(4, '0')}, expected 0x${sum.toString(16).padStart(4, '0')}`);
        buf = buf.subarray(1);
        continue;
      }
      frame(Object.fromEntries(PMS5003_WORDS.map((name, i) => [name, buf.readUInt16BE(4 + 2 * i)])) as Pms5003Reading);
      buf = buf.subarray(PMS5003_FRAME);
    }
    this.#pending = Buffer.from(buf);
  }
}

function findStart(buf: Buffer): number {
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === START[0] && buf[i + 1] === START[1]) return i;
  return -1;
}
