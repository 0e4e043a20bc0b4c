/** One problem at a place in a file, as `hanode validate`, the logs and `$error` show it. */
import { isAbsolute, relative } from 'node:path';

/** One problem in one file; `line` and `col` are 1-based. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A file name as the user should see it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function format(file: string, p: Problem): string {
  return `${file}:${p.line}:${p.col}: ${p.message}`;
}

/** `FILE:LINE:COL: message`, the form editors can jump to; the file relative to the working directory. */
export function formatProblem(p: Problem): string {
  return format(displayPath(p.file), p);
}

/** The same, with the file as it was named (the config file, named on the command line). */
export function formatConfigProblem(p: Problem): string {
  return format(p.file, p);
}

/** The yaml package's words for a syntax error, except where they speak to programmers rather than to the user. */
export function yamlErrorMessage(e: { code?: string; message: string }, kind = 'a file'): string {
  if (e.code === 'MULTIPLE_DOCS') return `invalid YAML: ${kind} holds one document; split it at --- into files`;
  if (/call stack/i.test(e.message)) return 'invalid YAML: lists or mappings nested too deeply';
  return `invalid YAML: ${e.message.split('\n')[0]}`;
}
