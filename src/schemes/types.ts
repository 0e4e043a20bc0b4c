/** What loading scheme files gives back. */
import type { Rule } from './rule-schema.js';
import type { Problem } from '../yaml/problem.js';

export type { Problem };
export { formatProblem, displayPath } from '../yaml/problem.js';

/** A valid input or output entry. */
export interface LoadedScheme {
  id: string;
  direction: 'input' | 'output';
  driver: string;
  /** Common and driver options, parsed: defaults applied, durations in ms. */
  options: Record<string, unknown>;
  file: string;
  line: number;
  col: number;
}

/**
 * An entry whose driver is known but its module could not be loaded: its options cannot be
 * checked and the scheme cannot run. It is not a problem of its file; the file's other entries load.
 */
export interface UnavailableScheme {
  id: string;
  direction: 'input' | 'output';
  driver: string;
  /** Why, e.g. `the bme280 driver could not be loaded: …`. */
  error: string;
  file: string;
  line: number;
  col: number;
}

/** A valid rule: durations in ms, `when` rooted at all/any/not. */
export type LoadedRule = Rule & { file: string; line: number; col: number };

/** One file and whether it loaded: `ok` is false when it has any problem. */
export interface FileReport {
  file: string;
  ok: boolean;
  problems: Problem[];
}

/** Everything a load found: what loaded, and every problem. */
export interface LoadResult {
  /** Schemes and rules of the valid files only. */
  inputs: LoadedScheme[];
  outputs: LoadedScheme[];
  rules: LoadedRule[];
  /** Entries of the valid files whose driver could not be loaded. */
  unavailable: UnavailableScheme[];
  /** Every problem of every file, in file order and then by position. */
  problems: Problem[];
  files: FileReport[];
  /** Values that came from `!secret` or `${ENV_VAR}` in the files: hidden wherever they would be logged. */
  sensitive: string[];
}
