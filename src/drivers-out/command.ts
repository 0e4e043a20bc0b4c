/**
 * Runs an allow-listed program with an argv template whose `{name}` slots are filled from typed,
 * validated payload values. The program is started directly (spawn, never a shell), so `;`,
 * `$(…)`, backticks and `&&` in a value are just characters of one argument. A payload that does
 * not fit the declared arguments is refused on `$error` and nothing runs.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { CommandError, defineOutput, type Reading } from '../core/driver.js';
import { duration } from '../schemes/pieces.js';
import { argsOption, fill, placeholders, resolveArgs, type ArgSpec } from './command-args.js';

/** What the program sees of the environment unless `env` adds more: enough to run, no secrets of hanode's. */
const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ'];

interface Outcome {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args`, no shell, in its own process group so a timeout kills its children too. */
function run(file: string, args: string[], o: { timeout: number; cwd?: string; env: NodeJS.ProcessEnv; maxOutput: number }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: o.cwd, env: o.env, shell: false, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const keep = (text: string, more: Buffer) => (text.length >= o.maxOutput ? text : (text + more.toString('utf8')).slice(0, o.maxOutput));
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeout);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** The `command` output driver: an allow-listed program with typed argv slots, never a shell. */
export const commandOutput = defineOutput({
  name: 'command',
  direction: 'output',
  description:
    'Runs an allow-listed program (never through a shell) with an argv template whose {name} slots take typed, validated payload values, e.g. {"volume":40}. Payloads that do not fit are refused on $error.',
  bus: 'process',
  schema: z.object({
    argv: z
      .array(z.string())
      .min(1)
      .refine((a) => isAbsolute(a[0]!), 'argv[0] must be the absolute path of the program')
      .refine((a) => placeholders(a[0]!).length === 0, 'the program path cannot take arguments')
      .describe('The program (absolute path) and its arguments; {name} is replaced by argument name, {{ and }} are literal braces')
      .meta({ examples: [['/usr/bin/amixer', 'set', 'Master', '{volume}%']] }),
    args: argsOption,
    timeout: duration('Kill the program (SIGKILL to its process group) after this long').prefault('10s').meta({ examples: ['10s'] }),
    cwd: z.string().refine(isAbsolute, 'expected an absolute path').optional().describe('Working directory'),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .default({})
      .describe(`Environment variables for the program, on top of ${PASSED_ENV.join(', ')}`)
      .meta({ examples: [{ XDG_RUNTIME_DIR: '/run/user/1000' }] }),
    max_output: z.number().int().min(0).max(65536).default(1024).describe('Characters of stdout (and of stderr on failure) to publish'),
  }),
  command: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .refine((c) => !Object.hasOwn(c, 'for'), "'for' does not apply to commands")
    .describe('Argument values by name; with one argument, a bare number, text or ON/OFF'),
  fields: [
    { name: 'result', type: 'string', description: 'ready (after start), ok (exit code 0), failed or timeout' },
    { name: 'exit_code', type: 'integer', description: 'The exit code; null when killed or timed out' },
    { name: 'output', type: 'string', description: 'stdout, trimmed, up to max_output characters (when not empty)' },
    { name: 'error', type: 'string', description: 'stderr, trimmed, when the program failed (when not empty)' },
  ],
  example: { id: 'volume', driver: 'command', argv: ['/usr/bin/amixer', 'set', 'Master', '{volume}%'], args: { volume: { type: 'integer', min: 0, max: 100 } }, timeout: '5s' },
  create(options, ctx) {
    const [file, ...template] = options.argv as [string, ...string[]];
    const specs = options.args as Record<string, ArgSpec>;
    const env: NodeJS.ProcessEnv = { ...Object.fromEntries(PASSED_ENV.flatMap((k) => (process.env[k] === undefined ? [] : [[k, process.env[k]]]))), ...options.env };
    return {
      async start() {
        const undeclared = [...new Set(template.flatMap(placeholders))].filter((n) => !Object.hasOwn(specs, n));
        if (undeclared.length) throw new Error(`argv uses ${undeclared.map((n) => `{${n}}`).join(', ')} but args does not declare ${undeclared.length > 1 ? 'them' : 'it'}`);
        for (const [name, spec] of Object.entries(specs)) {
          const bad = spec.default !== undefined && resolveArgs({ [name]: spec }, {});
          if (bad && 'error' in bad) throw new Error(`the default of ${name} does not fit: ${bad.error}`);
        }
        const s = await stat(file).catch(() => undefined);
        if (!s?.isFile()) throw new Error(`${file} is not a file`);
        await access(file, constants.X_OK).catch(() => {
          throw new Error(`${file} is not executable by this user`);
        });
        return { result: 'ready' };
      },
      async apply(cmd) {
        const resolved = resolveArgs(specs, cmd);
        if ('error' in resolved) throw new CommandError(resolved.error);
        const argv = template.map((a) => fill(a, resolved.values));
        ctx.log.debug({ argv: [file, ...argv] }, `${ctx.id}: running`);
        const o = await run(file, argv, { timeout: options.timeout, cwd: options.cwd, env, maxOutput: options.max_output });
        const state: Reading = {
          result: o.timedOut ? 'timeout' : o.code === 0 ? 'ok' : 'failed',
          exit_code: o.timedOut ? null : o.code,
        };
        if (o.stdout) state.output = o.stdout;
        if (state.result !== 'ok' && o.stderr) state.error = o.stderr;
        if (state.result !== 'ok') ctx.log.warn(`${ctx.id}: ${file} ${state.result}${o.code !== null ? ` with exit code ${o.code}` : ''}`);
        return state;
      },
      async stop() {},
    };
  },
});
