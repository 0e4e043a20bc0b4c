import { pino, type Logger, type Level } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = Level | 'silent';

/** JSON lines under systemd or a pipe; coloured single lines in a terminal. */
export function createLogger(level: LogLevel = 'info', opts: { pretty?: boolean; stderr?: boolean } = {}): Logger {
  const out = opts.stderr ? process.stderr : process.stdout;
  const usePretty = opts.pretty ?? Boolean(out.isTTY);
  if (!usePretty) return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: opts.stderr ? 2 : 1, sync: true }));
  return pino(
    { level, base: undefined },
    pretty({ sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: opts.stderr ? 2 : 1 }),
  );
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
