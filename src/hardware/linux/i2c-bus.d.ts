// i2c-bus ships no types; this declares only what i2c.ts uses (see its README, "Class PromisifiedBus").
declare module 'i2c-bus' {
  interface BytesRead {
    bytesRead: number;
    buffer: Buffer;
  }
  interface BytesWritten {
    bytesWritten: number;
    buffer: Buffer;
  }
  export interface PromisifiedBus {
    i2cRead(address: number, length: number, buffer: Buffer): Promise<BytesRead>;
    i2cWrite(address: number, length: number, buffer: Buffer): Promise<BytesWritten>;
    readI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<BytesRead>;
    scan(): Promise<number[]>;
    close(): Promise<void>;
    i2cFuncs(): Promise<{ i2c: boolean; smbusSendByte: boolean; smbusWriteByte: boolean; smbusWriteI2cBlock: boolean; smbusReceiveByte: boolean }>;
    sendByte(address: number, byte: number): Promise<void>;
    writeByte(address: number, command: number, byte: number): Promise<void>;
    writeI2cBlock(address: number, command: number, length: number, buffer: Buffer): Promise<BytesWritten>;
    receiveByte(address: number): Promise<number>;
  }
  export function openPromisified(busNumber: number, options?: { forceAccess?: boolean }): Promise<PromisifiedBus>;
  const i2c: { openPromisified: typeof openPromisified };
  export default i2c;
}
