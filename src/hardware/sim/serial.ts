/**
 * The sim's serial ports: a device model placed at a path answers the port opened there. Each
 * open gets a connection the model talks through; bytes the model sends arrive asynchronously,
 * as they do from a real UART.
 */
import type { SerialConnection, SerialPorts } from '../types.js';
import { notFoundError } from './errors.js';

/** A device at the far end of a sim serial port. */
export interface SimSerialDevice {
  /** The port was opened at `baudRate`; the model keeps `link` to send bytes until `closed`. */
  opened(link: SimSerialLink, baudRate: number): void;
  closed(link: SimSerialLink): void;
  /** Bytes the driver wrote. */
  received?(data: Buffer): void;
}

/** The model's side of one open connection. */
export interface SimSerialLink {
  send(data: Buffer): void;
  /** Fails the connection, as an unplugged adapter does. */
  fail(err: Error): void;
}

class SimSerialConnection implements SerialConnection, SimSerialLink {
  readonly #data = new Set<(chunk: Buffer) => void>();
  readonly #errors = new Set<(err: Error) => void>();
  #open = true;

  constructor(
    readonly path: string,
    readonly device: SimSerialDevice,
  ) {}

  send(data: Buffer): void {
    if (!this.#open) return;
    const copy = Buffer.from(data);
    setImmediate(() => {
      if (this.#open) for (const fn of this.#data) fn(copy);
    });
  }

  fail(err: Error): void {
    setImmediate(() => {
      for (const fn of this.#errors) fn(err);
    });
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.#data.add(listener);
    return () => this.#data.delete(listener);
  }

  onError(listener: (err: Error) => void): () => void {
    this.#errors.add(listener);
    return () => this.#errors.delete(listener);
  }

  async write(data: Buffer): Promise<void> {
    if (!this.#open) throw new Error(`serial port ${this.path} is closed`);
    this.device.received?.(Buffer.from(data));
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.device.closed(this);
  }
}

export class SimSerialPorts implements SerialPorts {
  readonly #devices = new Map<string, SimSerialDevice>();

  place(path: string, device: SimSerialDevice): void {
    this.#devices.set(path, device);
  }

  remove(path: string): void {
    this.#devices.delete(path);
  }

  /** Paths with a device, sorted. */
  list(): string[] {
    return [...this.#devices.keys()].sort();
  }

  async open(path: string, baudRate: number): Promise<SerialConnection> {
    const device = this.#devices.get(path);
    if (!device) throw notFoundError(path);
    const connection = new SimSerialConnection(path, device);
    device.opened(connection, baudRate);
    return connection;
  }
}
