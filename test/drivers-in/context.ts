/** What driver tests need: options parsed as the scheme loader would, contexts that record, and partial fake hardware. */
import { pino } from 'pino';
import type { z } from 'zod';
import type { CommonOptions, InputContext, InputDriverDef, OutputContext, OutputDriverDef, Reading } from '../../src/core/driver.js';
import type { Hardware } from '../../src/hardware/types.js';

export const silent = pino({ level: 'silent' });

/** The driver's own options parsed by its schema, plus the common ones the loader adds. */
export function optionsFor<S extends z.ZodObject>(
  def: InputDriverDef<S> | OutputDriverDef<S, any>,
  raw: Record<string, unknown>,
  id = 'test-scheme',
): z.output<S> & CommonOptions {
  return { ...def.schema.parse(raw), id, driver: def.name, retain: true, qos: 1 } as z.output<S> & CommonOptions;
}

export interface RecordingInputContext extends InputContext {
  emitted: Reading[];
  failures: Error[];
}

/** For the parts a plain context leaves out: a driver that reaches for one fails the test and says where to look. */
function notHere(part: string): never {
  throw new Error(`this test's context has no ${part}: use the contexts of pack-context.ts`);
}

const absent = {
  persist: { get: () => notHere('persist'), set: () => notHere('persist') },
  states: { get: () => notHere('states'), watch: () => notHere('states') },
};

export function inputContext(hardware: Hardware, id = 'test-scheme'): RecordingInputContext {
  const emitted: Reading[] = [];
  const failures: Error[] = [];
  return {
    id,
    hardware,
    log: silent,
    ...absent,
    emitted,
    failures,
    emit: (r) => void emitted.push(r),
    fail: (e) => void failures.push(e),
    event: () => notHere('event'),
  };
}

export function outputContext(hardware: Hardware, id = 'test-scheme'): OutputContext {
  return { id, hardware, log: silent, ...absent, update: () => notHere('update') };
}

/** Hardware where only the given parts exist; touching anything else fails the test. */
export function fakeHardware(parts: Partial<Hardware>): Hardware {
  const missing = (what: string) => () => {
    throw new Error(`test touched hardware.${what}`);
  };
  return {
    kind: 'sim',
    i2c: missing('i2c'),
    spi: missing('spi'),
    scan: missing('scan'),
    close: async () => {},
    ...parts,
  } as Hardware;
}
