/**
 * One device's connection, over TCP or a serial port: it cuts the byte stream into lines, answers
 * keep-alives, and writes through a bounded queue. It is a small state machine:
 *
 *   anonymous --ID accepted--> identified --CLOSE / drop / replaced--> closed
 *   anonymous --ID refused / CLOSE / drop--> closed
 *
 * Nothing here waits for the device: writes go to the stream's own buffer, and a device that
 * reads slower than it is written to is dropped once that buffer passes its limit, so one slow
 * reader never holds up the gateway or the other devices.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { formatLine, MAX_LINE_BYTES, parseLine, type DeviceCommand, type GatewayMessage } from './protocol.js';

export type ConnectionState = 'anonymous' | 'identified' | 'closed';

/** What a connection hands its lines and its end to. */
export interface ConnectionOwner {
  receive(conn: Connection, message: DeviceCommand): void;
  closed(conn: Connection, why: string): void;
}

export interface ConnectionOptions {
  stream: Duplex;
  /** Where the device is, for logs: `tcp 10.0.0.7:51234`, `serial /dev/ttyUSB0`. */
  peer: string;
  owner: ConnectionOwner;
  log: Logger;
  /** HELLO? after this much silence; dropped after two more such spells without a word. */
  keepaliveMs: number;
  /** Bytes written but not yet taken by the device above which it is dropped. */
  writeQueueBytes: number;
  /**
   * Called instead of ending the stream when the connection closes. A serial port outlives the
   * connections on it: after CLOSE the device may send ID again on the same wire.
   */
  release?: () => void;
}

const LF = 0x0a;

export class Connection {
  state: ConnectionState = 'anonymous';
  /** The accepted device ID, once identified. */
  id?: string;
  /** Variables this device subscribed to. */
  readonly subscriptions = new Set<string>();
  /** Variables this device has written (bounded per device). */
  readonly written = new Set<string>();
  log: Logger;
  readonly since = new Date();
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** Inside a line that passed the limit: its bytes are dropped up to the next LF. */
  #discarding = false;
  #lastHeard = Date.now();
  #unanswered = 0;
  #timer?: NodeJS.Timeout;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onError = (err: Error) => this.close(`stream error: ${err.message}`, { sendClose: false });
  readonly #onGone = () => this.close('the device went away', { sendClose: false });

  constructor(private readonly opts: ConnectionOptions) {
    this.log = opts.log.child({ peer: opts.peer });
  }

  get peer(): string {
    return this.opts.peer;
  }

  /** Starts reading and the keep-alive clock. */
  open(): void {
    const { stream } = this.opts;
    stream.on('data', this.#onData);
    stream.on('error', this.#onError);
    stream.on('close', this.#onGone);
    stream.on('end', this.#onGone);
    this.#arm(this.opts.keepaliveMs);
  }

  /** Writes one message unless the connection is closed; drops a device whose queue is full. */
  send(message: GatewayMessage): void {
    if (this.state === 'closed') return;
    const line = formatLine(message);
    const { stream, writeQueueBytes } = this.opts;
    // The queue is the stream's own buffer: past the limit the device is not reading, and waiting
    // for it would hold memory without bound. Drop it (it is marked offline) and let it reconnect.
    if (stream.writableLength + line.length > writeQueueBytes) {
      this.log.warn(`write queue full (${stream.writableLength} bytes waiting, limit ${writeQueueBytes}): the device reads too slowly; dropping the connection`);
      this.close('write queue full', { sendClose: false });
      return;
    }
    stream.write(line);
  }

  /** Ends the connection once: CLOSE first when asked (and the device can still take it), then the owner is told. */
  close(why: string, opts: { sendClose: boolean } = { sendClose: true }): void {
    if (this.state === 'closed') return;
    if (opts.sendClose) this.send({ command: 'CLOSE' });
    // The CLOSE may have found the queue full and closed the connection already.
    if ((this.state as ConnectionState) === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.#timer);
    const { stream, release } = this.opts;
    stream.off('data', this.#onData);
    stream.off('close', this.#onGone);
    stream.off('end', this.#onGone);
    stream.off('error', this.#onError);
    if (release) release();
    else {
      // A late error after the close must still have a listener, or it would crash the process.
      stream.on('error', () => {});
      // end() lets a written CLOSE out first; destroy() follows in case the device never reads it.
      stream.end();
      setTimeout(() => stream.destroy(), 1_000).unref();
    }
    this.opts.owner.closed(this, why);
  }

  #data(chunk: Buffer): void {
    this.#lastHeard = Date.now();
    this.#unanswered = 0;
    let start = 0;
    while (this.state !== 'closed') {
      const lf = chunk.indexOf(LF, start);
      if (lf < 0) {
        this.#keep(chunk.subarray(start));
        return;
      }
      const piece = chunk.subarray(start, lf);
      start = lf + 1;
      if (this.#discarding) {
        this.#discarding = false;
        this.#parts = [];
        this.#partBytes = 0;
        continue;
      }
      let line = piece;
      if (this.#partBytes) {
        line = Buffer.concat([...this.#parts, piece]);
        this.#parts = [];
        this.#partBytes = 0;
      }
      if (this.#tooLong(line.length, line[line.length - 1])) {
        this.#overLimit();
        continue;
      }
      this.#line(line.toString('utf8'));
    }
  }

  /** Keeps the start of a line that has not ended yet; past the limit it is dropped and answered. */
  #keep(bytes: Buffer): void {
    if (this.#discarding || bytes.length === 0) return;
    // A CR at the very end may be the first half of a CRLF, so allow one more byte for it.
    if (this.#partBytes + bytes.length > MAX_LINE_BYTES + 1) {
      this.#parts = [];
      this.#partBytes = 0;
      this.#discarding = true;
      this.#overLimit();
      return;
    }
    this.#parts.push(Buffer.from(bytes));
    this.#partBytes += bytes.length;
  }

  #tooLong(length: number, last: number | undefined): boolean {
    return length - (last === 0x0d ? 1 : 0) > MAX_LINE_BYTES;
  }

  #overLimit(): void {
    this.log.warn(`a line longer than ${MAX_LINE_BYTES} bytes: dropped`);
    this.send({ command: 'BAD', reason: `line longer than ${MAX_LINE_BYTES} bytes` });
  }

  #line(text: string): void {
    const parsed = parseLine(text);
    if (!parsed.ok) {
      this.log.debug(`BAD: ${parsed.reason}`);
      this.send({ command: 'BAD', reason: parsed.reason });
      return;
    }
    this.opts.owner.receive(this, parsed.message);
  }

  /**
   * The keep-alive clock. It is not reset on every line (a flooding device would pay for a timer
   * each time); when it fires it looks at how long the device has been silent.
   */
  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#tick(), ms);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.state === 'closed') return;
    const keepalive = this.opts.keepaliveMs;
    const silent = Date.now() - this.#lastHeard;
    const due = keepalive * (this.#unanswered + 1);
    if (silent < due) return this.#arm(due - silent);
    if (this.#unanswered >= 2) {
      this.log.warn(`no answer to two HELLO? in ${Math.round((2 * keepalive) / 1000)} s: dropping the device`);
      this.close('keep-alive unanswered', { sendClose: true });
      return;
    }
    this.#unanswered++;
    this.send({ command: 'HELLO?' });
    this.#arm(keepalive);
  }
}
