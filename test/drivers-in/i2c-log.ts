/**
 * A fake I2C bus for driver unit tests: it knows nothing of any chip. Every call is logged, and
 * `answer` decides what a read returns (or throws), so a test feeds the driver the raw bytes of a
 * datasheet example and checks both what it published and what it sent.
 */
import type { I2cBus } from '../../src/hardware/types.js';

export type I2cOp =
  | { op: 'write'; address: number; data: number[] }
  | { op: 'read'; address: number; length: number }
  | { op: 'readRegister'; address: number; register: number; length: number };

export interface LoggingBus extends I2cBus {
  ops: I2cOp[];
  /** The data of every write, in order. */
  readonly writes: number[][];
}

/** `answer` returns the bytes for a read (or throws); returning undefined answers zeros. */
export function loggingBus(answer: (op: I2cOp, ops: I2cOp[]) => number[] | Buffer | undefined = () => undefined): LoggingBus {
  const ops: I2cOp[] = [];
  const reply = (op: I2cOp & { length: number }) => {
    ops.push(op);
    const bytes = answer(op, ops) ?? [];
    const out = Buffer.alloc(op.length);
    Buffer.from(bytes).copy(out);
    return out;
  };
  return {
    bus: 1,
    ops,
    get writes() {
      return ops.flatMap((o) => (o.op === 'write' ? [o.data] : []));
    },
    async write(address, data) {
      ops.push({ op: 'write', address, data: [...data] });
      answer(ops.at(-1)!, ops);
    },
    read: async (address, length) => reply({ op: 'read', address, length }),
    readRegister: async (address, register, length) => reply({ op: 'readRegister', address, register, length }),
    exclusive(fn) {
      return fn(this);
    },
    scan: async () => [],
  };
}

/**
 * A chip of 16-bit big-endian registers behind a pointer, as the ADS1115, MCP9808 and INA219 have:
 * reads come from `regs`, register writes are logged by the bus.
 */
export function register16Bus(regs: Record<number, number>): LoggingBus {
  return loggingBus((op) => {
    if (op.op !== 'readRegister') return undefined;
    const v = regs[op.register] ?? 0;
    return [(v >> 8) & 0xff, v & 0xff];
  });
}

/** Rejects like i2c-bus does when nothing acknowledges. */
export function remoteIo(): Error {
  return Object.assign(new Error('EREMOTEIO, Remote I/O error'), { code: 'EREMOTEIO', errno: 121 });
}
