/**
 * Publishes what a serial device prints, one reading per line (an RFID or barcode reader, an
 * Arduino, a weather station): the line itself, fields picked out of a JSON line, or a regular
 * expression's named groups (numbers as numbers; lines that do not match are skipped). A line
 * longer than `max_line` fails the scheme, as it usually means a wrong baud rate or line_end;
 * lines past `max_rate` a second are dropped with a warning, so a chattering device cannot flood
 * the broker.
 */
import { z } from 'zod';
import { defineInput, type Reading } from '../core/driver.js';
import type { SerialConnection } from '../hardware/types.js';
import { baudRate, serialPort } from '../schemes/pieces.js';
import { jsonFields, pickFields } from './json-fields.js';
import { SerialLines } from '../hardware/datasheets/serial-lines.js';
import { attachSerialLine } from '../hardware/sim/chips/serial-line.js';

/** The bytes each `line_end` stands for. */
export const LINE_ENDS = { lf: '\n', crlf: '\r\n', cr: '\r' } as const;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const regexOption = z
  .string()
  .min(1)
  .max(1000)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source);
      const names = [...source.matchAll(/\(\?<([^>=!]+)>/g)].map((m) => m[1]!);
      if (!names.length) ctx.addIssue({ code: 'custom', message: 'name at least one group, e.g. T=(?<temperature>[-0-9.]+)' });
      for (const n of names) if (!/^[a-z][a-z0-9_]*$/.test(n)) ctx.addIssue({ code: 'custom', message: `group name '${n}' is not snake_case (lower-case letters, digits and _)` });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    }
  })
  .describe('A regular expression whose named groups become the published fields; lines that do not match are skipped')
  .meta({ examples: ['T=(?<temperature>[-0-9.]+) H=(?<humidity>[0-9.]+)'] });

/** `driver: serial-line`: publishes each line (or fields parsed from it) read from a serial port. */
export const serialLine = defineInput({
  name: 'serial-line',
  direction: 'input',
  description: 'Publishes each line a serial device prints: the line, JSON fields picked with JSONPath, or a regex’s named groups.',
  bus: 'serial',
  schema: z
    .object({
      ...serialPort(),
      ...baudRate(9600),
      line_end: z.enum(['lf', 'crlf', 'cr']).default('lf').describe('What ends a line: lf (\\n; a \\r before it is dropped too), crlf or cr').meta({ examples: ['crlf'] }),
      json: jsonFields({ temperature: '$.t', humidity: '$.h' }).optional(),
      regex: regexOption.optional(),
      max_line: z.number().int().min(1).max(65536).default(1024).describe('Longest line in bytes; a longer one fails the scheme (wrong baud rate or line_end?)').meta({ examples: [1024] }),
      max_rate: z.number().int().min(1).max(1000).default(10).describe('Most lines published per second; more are dropped with a warning').meta({ examples: [10] }),
    })
    .refine((o) => !(o.json && o.regex), { message: 'give json or regex, not both', path: ['regex'] }),
  fields: [{ name: 'line', type: 'string', description: 'The line as read (without json or regex; with them, their fields instead)' }],
  example: { id: 'gate-reader', driver: 'serial-line', port: '/dev/ttyUSB0', baud: 9600 },
  exampleFile: 'schemes/gate-reader.yaml',
  sim: attachSerialLine,
  polled: false,
  create(options, ctx) {
    let conn: SerialConnection | undefined;
    let offs: (() => void)[] = [];
    let window = { start: 0, count: 0, dropped: 0 };
    const regex = options.regex === undefined ? undefined : new RegExp(options.regex);

    const parse = (line: string): Reading | undefined => {
      if (regex) {
        const groups = regex.exec(line)?.groups;
        if (!groups) return undefined;
        return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v === undefined ? null : NUMBER.test(v) ? Number(v) : v]));
      }
      if (!options.json) return { line };
      try {
        return pickFields(JSON.parse(line), options.json);
      } catch {
        ctx.log.warn({ port: options.port, line: line.slice(0, 80) }, 'serial-line: a line that is not JSON was skipped');
        return undefined;
      }
    };
    const onLine = (line: string) => {
      const now = Date.now();
      if (now - window.start >= 1000) {
        if (window.dropped > 1) ctx.log.warn({ port: options.port, dropped: window.dropped }, `serial-line: ${window.dropped} lines dropped in that second`);
        window = { start: now, count: 0, dropped: 0 };
      }
      if (window.count >= options.max_rate) {
        // Said at the first drop of each second, so a flood that stops is still reported.
        if (window.dropped++ === 0) ctx.log.warn({ port: options.port, line: line.slice(0, 80) }, `serial-line: more than max_rate (${options.max_rate}) lines in one second from ${options.port}; dropping the rest of this second`);
        return;
      }
      const reading = parse(line);
      if (!reading) return;
      window.count++;
      ctx.emit(reading);
    };
    const lines = new SerialLines(LINE_ENDS[options.line_end], options.max_line);

    return {
      async start() {
        const c = await ctx.hardware.serial.open(options.port, options.baud);
        conn = c;
        const fail = (err: Error) => {
          if (conn === c) ctx.fail(err);
        };
        offs = [
          c.onData((chunk) => {
            const result = lines.push(chunk, onLine);
            if (result) fail(new Error(`${options.port}: ${result}`));
          }),
          c.onError(fail),
        ];
      },
      async stop() {
        for (const off of offs) off();
        offs = [];
        const c = conn;
        conn = undefined;
        lines.reset();
        await c?.close();
      },
    };
  },
});
