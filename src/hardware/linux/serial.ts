/**
 * `SerialPorts` through the `serialport` package (its native binding sets the termios options:
 * 8 data bits, no parity, one stop bit, no flow control). The package is loaded on the first
 * open, so an agent without serial schemes never loads the native module.
 */
import type { SerialConnection, SerialPorts } from '../types.js';

type Port = import('serialport').SerialPort;

class LinuxSerialConnection implements SerialConnection {
  constructor(
    readonly path: string,
    readonly port: Port,
  ) {}

  onData(listener: (chunk: Buffer) => void): () => void {
    this.port.on('data', listener);
    return () => this.port.off('data', listener);
  }

  onError(listener: (err: Error) => void): () => void {
    const onClose = (err: Error | null) => {
      // A close we did not ask for (the device went away) carries `disconnected`.
      if (err) listener(new Error(`serial port ${this.path} closed: ${err.message}`));
    };
    this.port.on('error', listener);
    this.port.on('close', onClose);
    return () => {
      this.port.off('error', listener);
      this.port.off('close', onClose);
    };
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(data, (err) => (err ? reject(err) : this.port.drain((e) => (e ? reject(e) : resolve()))));
    });
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => this.port.close((err) => (err ? reject(err) : resolve())));
  }
}

export class LinuxSerialPorts implements SerialPorts {
  async open(path: string, baudRate: number): Promise<SerialConnection> {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, rtscts: false, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => {
        if (!err) return resolve();
        const hint = /permission denied/i.test(err.message) ? ' (is the user in the dialout group?)' : '';
        reject(new Error(`cannot open serial port ${path} at ${baudRate} baud: ${err.message}${hint}`, { cause: err }));
      }),
    );
    return new LinuxSerialConnection(path, port);
  }
}
