import { createRequire } from 'node:module';
import { pino, type Logger, type Level } from 'pino';
import { redactValues } from './redact.js';

export type LogLevel = Level | 'silent';

/** JSON lines under systemd or a pipe; coloured single lines in a terminal. */
export function createLogger(level: LogLevel = 'info', opts: { pretty?: boolean; stderr?: boolean; sensitive?: readonly string[] } = {}): Logger {
  const out = opts.stderr ? process.stderr : process.stdout;
  const usePretty = opts.pretty ?? Boolean(out.isTTY);
  const hooks = hidingHooks(opts.sensitive ?? []);
  if (!usePretty) return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, hooks }, pino.destination({ fd: opts.stderr ? 2 : 1, sync: true }));
  // Loaded only for a terminal: under systemd the JSON lines need no pretty-printer in memory.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pino(
    { level, base: undefined, hooks },
    pretty({ sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: opts.stderr ? 2 : 1 }),
  );
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * pino hooks that hide `sensitive` values (from `!secret` and `${VAR}`) in every message and error
 * text. The list is read at each call: secrets from scheme files are added to it as they load.
 */
export function hidingHooks(sensitive: readonly string[]): { logMethod?: (this: Logger, args: unknown[], method: (...a: unknown[]) => void) => void } {
  const hide = (a: unknown): unknown => {
    if (typeof a === 'string') return redactValues(a, sensitive);
    if (a instanceof Error) return { message: redactValues(a.message, sensitive), name: a.name };
    if (a && typeof a === 'object' && 'err' in a && (a as { err: unknown }).err instanceof Error) return { ...a, err: hide((a as { err: Error }).err) };
    return a;
  };
  return {
    logMethod(args, method) {
      method.apply(this, sensitive.length === 0 ? args : args.map(hide));
    },
  };
}
