/**
 * Runs one allow-listed program and publishes what it prints: `vcgencmd measure_temp`, a UPS
 * status tool, a script of the user's. The scheme file is the allow-list: `argv[0]` must be the
 * absolute path of an existing executable (checked at start) and the argv array goes to the
 * program as it is. No shell is ever involved, so quotes, `;`, `$(…)` and backticks in an
 * argument are just characters.
 */
import { z } from 'zod';
import { access, constants, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { defineInput, type Reading } from '../core/driver.js';
import { duration, polled } from '../schemes/pieces.js';
import { jsonFields, pickFields } from './json-fields.js';
import { runProgram, type Running } from './run-program.js';

const fieldName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'field names are snake_case: lower-case letters, digits and _');

/** Turns one piece of output into a value: a number for `number`, the text for `text`. */
function convert(text: string, parse: 'number' | 'text', what: string): number | string {
  if (parse === 'text') return text.trim();
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${what} is not a number: ${JSON.stringify(text.trim().slice(0, 60))}`);
  return n;
}

export const commandInput = defineInput({
  name: 'command',
  direction: 'input',
  description: 'Runs an allow-listed program (argv array, never a shell) and publishes its output: one number or text as `field`, the named groups of `pattern`, or JSON `fields`.',
  bus: 'process',
  schema: z.object({
    argv: z
      .array(z.string())
      .min(1)
      .refine((a) => isAbsolute(a[0]!), { message: 'argv[0] must be an absolute path, e.g. /usr/bin/vcgencmd' })
      .describe('The program (absolute path) and its arguments, passed as they are, without a shell')
      .meta({ examples: [['/usr/bin/vcgencmd', 'measure_temp']] }),
    parse: z
      .enum(['number', 'text', 'json'])
      .default('number')
      .describe('How stdout is read: one number, one text, or JSON (with `fields` to pick values)')
      .meta({ examples: ['number'] }),
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional()
      .describe('For number and text: a regular expression whose first group is the value, or whose named groups are the fields')
      .meta({ examples: ["temp=([0-9.]+)'C"] }),
    field: fieldName.default('value').describe('The field a single value is published as').meta({ examples: ['cpu_temp'] }),
    fields: jsonFields({ status: '$.status', charge: '$.battery.charge' }).optional(),
    env: z.record(z.string(), z.string()).default({}).describe("Extra environment variables; the agent's own environment is not passed on").meta({ examples: [{ LC_ALL: 'C' }] }),
    timeout: duration('Kill the program (SIGTERM, then SIGKILL a second later) when it runs this long').prefault('10s').meta({ examples: ['5s'] }),
    ...polled('60s'),
  }),
  // The fields are the user's: `field`, the named groups of `pattern`, or the keys of `fields`.
  fields: [],
  example: { id: 'gpu-temp', driver: 'command', argv: ['/usr/bin/vcgencmd', 'measure_temp'], pattern: "temp=([0-9.]+)'C", field: 'temperature', interval: '60s' },
  polled: true,
  create(options) {
    const [program, ...args] = options.argv;
    const pattern = options.pattern === undefined ? undefined : new RegExp(options.pattern);
    const running = new Set<Running>();
    let started = false;

    const parse = (output: string): Reading => {
      // The newline that ends every line of output is not part of the value (and `$` should match before it).
      const stdout = output.replace(/\r?\n$/, '');
      if (options.parse === 'json') {
        if (pattern) throw new Error('pattern applies to parse: number or text, not json');
        const json = JSON.parse(stdout) as unknown;
        if (options.fields) return pickFields(json, options.fields);
        if (json !== null && typeof json === 'object') throw new Error('the program printed a JSON object or array: name the values with `fields`');
        return pickFields(json, { [options.field]: '$' });
      }
      const kind = options.parse;
      if (!pattern) return { [options.field]: convert(stdout, kind, 'the output') };
      const m = pattern.exec(stdout);
      if (!m) throw new Error(`the output does not match ${pattern}: ${JSON.stringify(stdout.trim().slice(0, 60))}`);
      const groups = Object.entries(m.groups ?? {});
      if (groups.length) return Object.fromEntries(groups.map(([name, text]) => [name, convert(text ?? '', kind, name)]));
      return { [options.field]: convert(m[1] ?? m[0], kind, 'the match') };
    };

    return {
      async start() {
        // The allow-list check: an existing regular file this user may execute.
        const info = await stat(program!).catch(() => undefined);
        if (!info?.isFile()) throw new Error(`${program} does not exist or is not a file`);
        await access(program!, constants.X_OK).catch(() => {
          throw new Error(`${program} is not executable by this user`);
        });
        started = true;
      },
      async read() {
        if (!started) throw new Error('command not started');
        const run = runProgram(program!, args, { env: options.env, timeoutMs: options.timeout });
        running.add(run);
        try {
          const { stdout } = await run.done;
          return parse(stdout);
        } finally {
          running.delete(run);
        }
      },
      async stop() {
        started = false;
        for (const run of running) run.kill();
      },
    };
  },
});
