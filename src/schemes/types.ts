/** What loading scheme files gives back. */
import { isAbsolute, relative } from 'node:path';
import type { Rule } from './rule-schema.js';

/** One problem in one file; `line` and `col` are 1-based. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

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
  /** Every problem of every file, in file order and then by position. */
  problems: Problem[];
  files: FileReport[];
}

/** A file name as the user should see it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `FILE:LINE:COL: message`, the form `hanode validate` prints and editors can jump to. */
export function formatProblem(p: Problem): string {
  return `${displayPath(p.file)}:${p.line}:${p.col}: ${p.message}`;
}
