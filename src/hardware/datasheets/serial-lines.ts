/**
 * Cutting a serial byte stream into text lines with a length limit: the bytes of an unfinished
 * line are held (at most `maxLine` of them), so memory stays bounded whatever the device sends.
 */
export class SerialLines {
  #pending = Buffer.alloc(0);
  readonly #delimiter: Buffer;

  constructor(
    delimiter: string,
    readonly maxLine: number,
  ) {
    this.#delimiter = Buffer.from(delimiter, 'utf8');
  }

  /**
   * Feeds `chunk`, calling `line` with each complete line (UTF-8, a trailing \r dropped when the
   * delimiter is \n). Returns an error message when a line grows past `maxLine` bytes; its bytes
   * are thrown away up to the next delimiter.
   */
  push(chunk: Buffer, line: (text: string) => void): string | undefined {
    let buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    let error: string | undefined;
    for (let at = buf.indexOf(this.#delimiter); at >= 0; at = buf.indexOf(this.#delimiter)) {
      let end = at;
      if (this.#delimiter.length === 1 && this.#delimiter[0] === 0x0a && end > 0 && buf[end - 1] === 0x0d) end--;
      if (end > this.maxLine) error ??= this.#tooLong();
      else if (!this.#skipping) line(buf.subarray(0, end).toString('utf8'));
      this.#skipping = false;
      buf = buf.subarray(at + this.#delimiter.length);
    }
    if (buf.length > this.maxLine) {
      error ??= this.#skipping ? undefined : this.#tooLong();
      this.#skipping = true;
      buf = Buffer.alloc(0);
    }
    this.#pending = Buffer.from(buf);
    return error;
  }

  #skipping = false;

  #tooLong(): string {
    return `a line longer than max_line (${this.maxLine} bytes) came without a line end: is the baud rate or line_end wrong?`;
  }

  reset(): void {
    this.#pending = Buffer.alloc(0);
    this.#skipping = false;
  }
}
