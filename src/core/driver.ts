/**
 * The shape every driver has: `{ name, direction, schema, fields, create }`.
 * The YAML `driver:` key is the key of the driver in its direction's registry.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Hardware } from '../hardware/types.js';
import type { SimModel } from '../hardware/sim/board.js';
import type { DriverChip } from '../hardware/catalog.js';

/** A reading or an output state: the driver's fields (snake_case, in the units README "Topics" fixes). */
export type Reading = Record<string, number | string | boolean | null>;

export interface FieldDef {
  name: string;
  type: 'number' | 'integer' | 'state' | 'string' | 'boolean';
  unit?: string;
  description: string;
  /** Home Assistant device_class, where one fits. */
  deviceClass?: string;
}

/** Options every scheme has, whatever its driver. Drivers receive them merged with their own. */
export interface CommonOptions {
  id: string;
  name?: string;
  driver: string;
  retain: boolean;
  qos: 0 | 1 | 2;
}

/** Small numbers a driver keeps across restarts (a pulse counter's total), stored in the state file. */
export interface Persist {
  get(key: string): number | undefined;
  /**
   * Keeps `value` across restarts; resolves once it is on disk (rejects when it cannot be
   * written), so a driver can hold back a reading until the number it shows is safe.
   */
  set(key: string, value: number): Promise<void>;
}

/** The latest states of the node's schemes, for drivers that show other schemes' values (displays). */
export interface StateView {
  get(id: string): Reading | undefined;
  /** Calls `fn` on every new state of any scheme; returns the function that stops it. */
  watch(fn: (id: string, state: Reading) => void): () => void;
}

export interface DriverContext {
  /** The scheme id. */
  readonly id: string;
  readonly hardware: Hardware;
  readonly log: Logger;
  readonly persist: Persist;
  readonly states: StateView;
}

export interface InputContext extends DriverContext {
  /**
   * Publishes an event, not retained, on `B/N/S/event` as `{"event": name, ...data, "ts"}`
   * (a button's `press`, `long_press`, `double_press`).
   */
  event(name: string, data?: Record<string, unknown>): void;
  /** Event-driven drivers (gpio-in) push readings here; `ts` defaults to now. */
  emit(reading: Reading, ts?: Date): void;
  /** Event-driven drivers report a fault here; the scheme goes unavailable and is restarted with backoff. */
  fail(error: Error): void;
}

export interface OutputContext extends DriverContext {
  /** Publishes a new state the driver reached by itself (a display redrawn after a value it shows changed). */
  update(state: Reading): void;
}

export interface InputDriver {
  /** Open the device. Throwing marks the scheme failed; it is retried with backoff. */
  start(): Promise<void>;
  /** Polled drivers: take one reading. Throwing counts as a failed read. */
  read?(): Promise<Reading>;
  stop(): Promise<void>;
}

export interface OutputDriver {
  /**
   * Open the device and drive it to its first state: `restored` when the scheme has
   * `restore: true` and a saved state exists, otherwise the configured initial state.
   * Returns the state to publish.
   */
  start(restored?: Reading): Promise<Reading>;
  /** Carry out one validated command and return the new state. */
  apply(command: Record<string, unknown>): Promise<Reading>;
  stop(): Promise<void>;
}

/**
 * Thrown by `OutputDriver.apply` when one command cannot be carried out but the device is fine:
 * a payload that does not fit the scheme's own options (a `command` argument out of range), or a
 * webhook or mail server that refused it. The runtime reports it on `$error` and the scheme stays
 * online; any other error marks the scheme failed and restarts it.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/**
 * Runs the part of `apply` that only works out what a payload asks for (rendering templates,
 * building headers or arguments), before the device is touched. Whatever it throws is that
 * command's fault, so it becomes a {@link CommandError}: reported on `$error`, the scheme stays
 * online and its backoff does not grow.
 */
export function fromPayload<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(`the command cannot be sent: ${(err as Error).message}`);
  }
}

interface DriverDefBase<S extends z.ZodObject> {
  name: string;
  description: string;
  /** Which bus the driver sits on, for the README and `hanode drivers`. */
  bus: 'gpio' | 'i2c' | 'spi' | '1-wire' | 'iio' | 'serial' | 'system' | 'network' | 'process';
  /** The driver's own options, built from the shared pieces in schemes/pieces.ts. */
  schema: S;
  fields: FieldDef[];
  /** A complete, valid scheme entry for the docs and fixtures. */
  example: Record<string, unknown>;
  /**
   * A scheme file under schemes/ that uses the driver and runs under `hardware: sim`, relative to
   * the package root (e.g. `schemes/kitchen-climate.yaml`). Every driver that talks to a bus has one.
   */
  exampleFile?: string;
  /**
   * For chips several schemes may use at once (an expander's pins, an ADC's inputs): schemes of
   * drivers with the same `chip` may sit on one address, each claiming the `channels` it uses
   * (named as a person would: "pin 4", "input A0"), which `option` selects.
   * Without it a scheme owns its whole address.
   */
  shares?: { chip: string; option: string; channels(options: Record<string, unknown>): string[] };
  /**
   * The register-level model that answers for the device under `hardware: sim` (src/hardware/sim,
   * chip models in sim/chips). Every driver that talks to a bus has one.
   */
  sim?: SimModel;
  /**
   * The parts this driver reads and the I2C addresses they answer at: `hanode scan` names them as
   * likely at those addresses and `scan --write` drafts a scheme of this driver for them.
   */
  chips?: readonly DriverChip[];
}

export interface InputDriverDef<S extends z.ZodObject = z.ZodObject> extends DriverDefBase<S> {
  direction: 'input';
  /** True when the driver has `read()` and an `interval`. */
  polled: boolean;
  create(options: z.output<S> & CommonOptions, ctx: InputContext): InputDriver;
}

export interface OutputDriverDef<S extends z.ZodObject = z.ZodObject, C extends z.ZodType = z.ZodType> extends DriverDefBase<S> {
  direction: 'output';
  /**
   * Validates a command after the mediator has normalised the payload:
   * `ON`/`OFF`/`TOGGLE` → `{state}`, a number → `{value}`, other text → `{text}`, JSON objects as they are.
   */
  command: C;
  create(options: z.output<S> & CommonOptions, ctx: OutputContext): OutputDriver;
}

export type DriverDef = InputDriverDef | OutputDriverDef;

/** Identity helpers that keep each driver file's literal types while checking its shape. */
export function defineInput<S extends z.ZodObject>(def: InputDriverDef<S>): InputDriverDef<S> {
  return def;
}
export function defineOutput<S extends z.ZodObject, C extends z.ZodType>(def: OutputDriverDef<S, C>): OutputDriverDef<S, C> {
  return def;
}
