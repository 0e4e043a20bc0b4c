/**
 * Plain I2C transfers on an adapter that only speaks SMBus (no I2C_FUNC_I2C: PC SMBus
 * controllers, i2c-stub). A plain write of 1, 2 or 3..33 bytes puts exactly the same bits on the
 * wire as the SMBus "send byte", "write byte data" and "I2C block write" transactions, and a plain
 * 1-byte read the same as "receive byte", so those are sent that way. Anything else has no SMBus
 * form and fails with an error that says so, instead of the kernel's bare EOPNOTSUPP.
 */

/** The SMBus calls of i2c-bus's `PromisifiedBus` the translation needs. */
/** What the linux I2C backend needs of an open bus (i2c-bus's promisified bus has it). */
export interface RawI2c {
  i2cRead(address: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  readI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesRead: number; buffer: Buffer }>;
  scan(): Promise<number[]>;
  close(): Promise<void>;
}

export interface RawSmbus extends RawI2c {
  i2cFuncs(): Promise<{ i2c: boolean; smbusSendByte: boolean; smbusWriteByte: boolean; smbusWriteI2cBlock: boolean; smbusReceiveByte: boolean }>;
  sendByte(address: number, byte: number): Promise<void>;
  writeByte(address: number, command: number, byte: number): Promise<void>;
  writeI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<{ bytesWritten: number; buffer: Buffer }>;
  receiveByte(address: number): Promise<number>;
}

/** An I2C block write carries the command byte plus at most 32 data bytes. */
const BLOCK_MAX = 32;

const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/** Wraps `raw` so plain transfers fall back to their SMBus equivalents when the adapter needs it. */
export function withSmbusFallback(bus: number, raw: RawSmbus): RawI2c {
  let funcs: ReturnType<RawSmbus['i2cFuncs']> | undefined;
  const smbusOnly = async () => !(await (funcs ??= raw.i2cFuncs())).i2c;
  const refuse = (what: string, address: number, supported: string) =>
    new Error(`I2C bus ${bus} only speaks SMBus (no plain I2C transfers): ${what} ${hex(address)} has no SMBus form; ${supported}`);

  return {
    async i2cWrite(address, length, buffer) {
      if (!(await smbusOnly())) return raw.i2cWrite(address, length, buffer);
      const data = buffer.subarray(0, length);
      const f = await funcs!;
      if (length === 1 && f.smbusSendByte) await raw.sendByte(address, data[0]!);
      else if (length === 2 && f.smbusWriteByte) await raw.writeByte(address, data[0]!, data[1]!);
      else if (length >= 3 && length <= BLOCK_MAX + 1 && f.smbusWriteI2cBlock) await raw.writeI2cBlock(address, data[0]!, length - 1, Buffer.from(data.subarray(1)));
      else throw refuse(`a write of ${length} bytes to`, address, `writes of 1 to ${BLOCK_MAX + 1} bytes are translated when the adapter supports them`);
      return { bytesWritten: length, buffer };
    },
    async i2cRead(address, length, buffer) {
      if (!(await smbusOnly())) return raw.i2cRead(address, length, buffer);
      if (length !== 1 || !(await funcs!).smbusReceiveByte) {
        throw refuse(`a plain read of ${length} bytes from`, address, 'only 1-byte plain reads and register reads work');
      }
      buffer[0] = await raw.receiveByte(address);
      return { bytesRead: 1, buffer };
    },
    readI2cBlock: (address, command, length, buffer) => raw.readI2cBlock(address, command, length, buffer),
    scan: () => raw.scan(),
    close: () => raw.close(),
  };
}
