/**
 * Serial ports for the gateway. Each port carries one device at a time: a connection starts when
 * the port opens, and a new one starts on the same port after the device's CLOSE. When the port
 * goes (a USB adapter unplugged), the device is marked offline and the port is opened again
 * every 1 s, doubling up to 30 s, until the adapter is back.
 */
import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SerialPort } from 'serialport';

export interface SerialOptions {
  path: string;
  baud: number;
  log: Logger;
  /** Starts a connection on the open port; `release` is for the connection to hand the port back. */
  accept: (stream: Duplex, peer: string, release: () => void) => void;
  /** Reopen backoff in ms. */
  backoff?: { min: number; max: number };
}

export class SerialLine {
  #port?: SerialPort;
  #timer?: NodeJS.Timeout;
  #watch?: NodeJS.Timeout;
  #retryMs: number;
  #stopped = false;
  #opened = 0;

  constructor(private readonly opts: SerialOptions) {
    this.#retryMs = opts.backoff?.min ?? 1_000;
  }

  /** Whether the port is open now. */
  get open(): boolean {
    return this.#port?.isOpen ?? false;
  }

  get path(): string {
    return this.opts.path;
  }

  /** Opens the port, or keeps trying in the background; never fails the node's start. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#open();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#watch);
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async #open(): Promise<void> {
    const { path, baud, log } = this.opts;
    let port: SerialPort;
    try {
      // Loaded with the first port, not with the agent: a node without a serial gateway never
      // loads the package and its native binding.
      const { SerialPort: Port } = await import('serialport');
      port = new Port({ path, baudRate: baud, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (err) {
      if (this.#opened === 0 || this.#retryMs === (this.opts.backoff?.min ?? 1_000)) log.warn(`gateway: serial ${path}: ${(err as Error).message}; retrying every ${this.#retryMs / 1000} s and less often`);
      return this.#retry();
    }
    if (this.#stopped) return void port.close();
    this.#port = port;
    this.#opened++;
    this.#retryMs = this.opts.backoff?.min ?? 1_000;
    log.info(`gateway: serial ${path} open at ${baud} baud${this.#opened > 1 ? ' again' : ''}`);
    port.on('error', (err) => log.warn(`gateway: serial ${path}: ${err.message}`));
    // An unplugged adapter's device node goes away. The serialport package reads again at once
    // after a read of 0 bytes, so a driver that answers end-of-file instead of an error would keep
    // it reading in a loop; closing the port when its node is gone ends that either way.
    this.#watch = setInterval(() => {
      if (!existsSync(path) && port.isOpen) {
        log.warn(`gateway: serial ${path} is gone (adapter unplugged?)`);
        port.close();
      }
    }, 1_000);
    this.#watch.unref();
    port.once('close', () => {
      clearInterval(this.#watch);
      if (this.#port !== port) return;
      this.#port = undefined;
      if (this.#stopped) return;
      log.warn(`gateway: serial ${path} closed (adapter unplugged?); reopening`);
      this.#retry();
    });
    this.#connect(port);
  }

  #connect(port: SerialPort): void {
    const release = () => {
      // The device closed its session, not the port: listen for its next ID on the same wire.
      if (this.#port === port && port.isOpen && !this.#stopped) setImmediate(() => this.#port === port && this.#connect(port));
    };
    this.opts.accept(port, `serial ${this.opts.path}`, release);
  }

  #retry(): void {
    if (this.#stopped) return;
    const max = this.opts.backoff?.max ?? 30_000;
    this.#timer = setTimeout(() => void this.#open(), this.#retryMs);
    this.#retryMs = Math.min(max, this.#retryMs * 2);
  }
}
