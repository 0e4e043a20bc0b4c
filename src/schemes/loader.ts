/**
 * Loads scheme files (README "Scheme files") in two passes: each file against the schema, then cross-checks
 * over all of them. A file with any problem is skipped as a whole; the others load.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import type { DriverRegistry } from '../core/registry.js';
import { excerpt, formatBytes, MAX_SCHEME_FILE_BYTES } from '../core/limits.js';
import { crossCheck, type FileUnit } from './cross-checks.js';
import { show } from './issues.js';
import { SECTIONS, validateEntry, validateRule } from './schema.js';
import { didYouMean } from '../core/suggest.js';
import type { LoadResult, Problem } from './types.js';
import { parseYaml, type YamlVars } from '../yaml/source.js';
import { isTemplate, loadTemplateEngine } from '../core/template.js';
import { readSecrets } from '../yaml/config-file.js';
import { hideSensitive } from '../yaml/substitute.js';
import { displayPath } from '../yaml/problem.js';

export { formatProblem, displayPath } from './types.js';
export type { Problem, LoadedScheme, LoadedRule, LoadResult, FileReport, UnavailableScheme } from './types.js';

const YAML_FILE = /\.ya?ml$/i;

/**
 * Where `!secret` and `${ENV_VAR}` in scheme files come from: the `secrets.yaml` beside
 * `hanode.yaml` (README "Secrets in scheme files") and the environment.
 */
export interface SchemeVars {
  secretsFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * What {@link loadSchemeTexts} needs for `!secret` and `${ENV_VAR}` in `texts`: the secrets file is
 * read only when some text uses `!secret`. For any caller that loads texts it holds in memory.
 */
export async function varsFor(texts: readonly SchemeText[], opts: SchemeVars): Promise<YamlVars> {
  const env = opts.env ?? process.env;
  if (!texts.some((t) => 'text' in t && t.text.includes('!secret'))) return { env };
  if (!opts.secretsFile) return { env, secrets: { values: {}, label: 'secrets.yaml (no config file names one)' } };
  const label = displayPath(opts.secretsFile);
  try {
    return { env, secrets: { values: await readSecrets(opts.secretsFile), label } };
  } catch (err) {
    return { env, secrets: { values: {}, label }, secretsError: `${label} has problems (run hanode validate on the config): ${(err as Error).message.split('\n')[0]}` };
  }
}

/**
 * Loads every `*.yaml`/`*.yml` file under `dir`, subdirectories included, in sorted order.
 * A missing directory loads as empty: a fresh node has no schemes yet.
 */
export async function loadSchemeDir(dir: string, registry: DriverRegistry, vars: SchemeVars = {}): Promise<LoadResult> {
  let files: string[];
  try {
    files = await listYamlFiles(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') files = [];
    else return loadSchemeTexts([{ file: dir, error: err as Error }], registry);
  }
  const texts = await Promise.all(files.map((f) => readInside(dir, f)));
  return loadSchemeTextsWithDrivers(texts, registry, await varsFor(texts, vars));
}

/**
 * Loads the given files and directories (directories as {@link loadSchemeDir} does), in the
 * order given. A path that cannot be read is a problem, not an exception.
 */
export async function loadSchemeFiles(paths: readonly string[], registry: DriverRegistry, vars: SchemeVars = {}): Promise<LoadResult> {
  const seen = new Set<string>();
  const texts: SchemeText[] = [];
  for (const path of paths) {
    let found: string[];
    try {
      found = (await stat(path)).isDirectory() ? await listYamlFiles(path) : [path];
    } catch (err) {
      texts.push({ file: path, error: err as Error });
      continue;
    }
    const isDir = found.length !== 1 || found[0] !== path;
    for (const file of found.filter((f) => !seen.has(f))) {
      seen.add(file);
      texts.push(isDir ? await readInside(path, file) : await readText(file));
    }
  }
  return loadSchemeTextsWithDrivers(texts, registry, await varsFor(texts, vars));
}

/**
 * `hanode validate`: every problem in the given paths, and how many files were read. A scheme
 * whose driver could not be loaded cannot be checked, so it counts as a problem here.
 */
export async function validatePaths(paths: readonly string[], registry: DriverRegistry, vars: SchemeVars = {}): Promise<{ problems: Problem[]; fileCount: number }> {
  const result = await loadSchemeFiles(paths, registry, vars);
  const unavailable = result.unavailable.map(({ file, line, col, id, error }) => ({ file, line, col, message: `'${id}': ${error}` }));
  return { problems: [...result.problems, ...unavailable], fileCount: result.files.length };
}

/**
 * A file's text, or why it could not be read. `external`: reached through a symlink that points
 * outside the directory being loaded; such a file may load, but its content is never quoted.
 */
export type SchemeText = ({ file: string; text: string } | { file: string; error: Error }) & { external?: string };

/**
 * Loads scheme files already in memory, in the order given. Pure apart from the registry's drivers
 * and `vars` (`${ENV_VAR}` from the environment unless given, `!secret` from the secrets read).
 */
export function loadSchemeTexts(texts: readonly SchemeText[], registry: DriverRegistry, vars: YamlVars = { env: process.env }): LoadResult {
  return checkTexts(texts, parseTexts(texts, vars), registry);
}

/**
 * {@link loadSchemeTexts} for a registry whose drivers load on demand: the drivers the files name
 * are loaded between parsing and checking. An entry whose driver fails to load comes back in
 * `unavailable`, not as a problem of its file.
 */
export async function loadSchemeTextsWithDrivers(texts: readonly SchemeText[], registry: DriverRegistry, vars: YamlVars = { env: process.env }): Promise<LoadResult> {
  const parsed = parseTexts(texts, vars);
  await registry.load(namedDrivers(parsed));
  if (texts.some((t) => 'text' in t && isTemplate(t.text))) await loadTemplateEngine();
  return checkTexts(texts, parsed, registry);
}

/** A file after parsing: its unit so far, and its top-level mapping when it has one to check. */
interface ParsedFile {
  unit: FileUnit;
  doc?: Record<string, unknown>;
}

function parseTexts(texts: readonly SchemeText[], vars: YamlVars): ParsedFile[] {
  return texts.map((t) => ('error' in t ? { unit: unreadable(t.file, t.error) } : parseFile(t.file, t.text, vars)));
}

/** The drivers the entries of `parsed` name, as written (unknown names included). */
function namedDrivers(parsed: readonly ParsedFile[]): { direction: 'input' | 'output'; name: string }[] {
  return parsed.flatMap(({ doc }) =>
    (['inputs', 'outputs'] as const).flatMap((key) => {
      const list = doc?.[key];
      const direction = SECTIONS[key];
      return Array.isArray(list) ? list.flatMap((raw) => (typeof raw?.driver === 'string' ? [{ direction, name: raw.driver as string }] : [])) : [];
    }),
  );
}

function checkTexts(texts: readonly SchemeText[], parsed: readonly ParsedFile[], registry: DriverRegistry): LoadResult {
  const units = parsed.map((p) => checkEntries(p, registry));
  crossCheck(units, registry);
  texts.forEach((t, i) => {
    const unit = units[i]!;
    if (t.external === undefined || unit.problems.length === 0) return;
    // Its messages could quote its lines (a key, a value); for a file such as /etc/shadow those must not reach $error.
    unit.problems = [{ file: unit.file, line: 1, col: 1, message: `this file links to a file outside the schemes directory (${t.external}) that is not a valid scheme file; its content is not quoted here, run hanode validate on that file to see its problems` }];
  });
  const result: LoadResult = { inputs: [], outputs: [], rules: [], unavailable: [], problems: [], files: [], sensitive: [] };
  for (const unit of units) {
    // No problem quotes a value from secrets.yaml or the environment.
    if (unit.source?.sensitive.values.length) {
      const { sensitive } = unit.source;
      unit.problems = unit.problems.map((p) => hideSensitive(p, unit.file, sensitive));
      result.sensitive.push(...sensitive.values);
    }
    unit.problems.sort((a, b) => a.line - b.line || a.col - b.col);
    const ok = unit.problems.length === 0;
    result.files.push({ file: unit.file, ok, problems: unit.problems });
    result.problems.push(...unit.problems);
    if (!ok) continue;
    for (const { path: _path, ...scheme } of unit.schemes) (scheme.direction === 'input' ? result.inputs : result.outputs).push(scheme);
    for (const { path: _path, raw: _raw, ...rule } of unit.rules) result.rules.push(rule);
    result.unavailable.push(...unit.unavailable);
  }
  return result;
}

/** A problem quotes at most a short excerpt of the file: a long line is not sent back whole. */
const addProblem = (unit: FileUnit, pos: { line: number; col: number }, message: string, max = MAX_PROBLEM_CHARS) =>
  unit.problems.push({ file: unit.file, ...pos, message: excerpt(message, max) });

/** The first pass over one file, part one: its size, YAML syntax and the top-level shape. */
function parseFile(file: string, text: string, vars: YamlVars): ParsedFile {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_SCHEME_FILE_BYTES) return { unit: unreadable(file, new Error(tooLarge(size)), false) };
  const source = parseYaml(text, vars);
  const unit: FileUnit = { file, source, problems: [], schemes: [], rules: [], declared: [], unavailable: [] };
  if (source.errors.length) {
    for (const e of source.errors) addProblem(unit, e, e.message);
    return { unit };
  }
  const doc = source.value;
  if (doc === null) return { unit };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    addProblem(unit, source.locate([]), `expected a mapping with inputs, outputs or rules, got ${show(doc)}`);
    return { unit };
  }
  return { unit, doc: doc as Record<string, unknown> };
}

/** The first pass over one file, part two: each entry against its schema. */
function checkEntries({ unit, doc }: ParsedFile, registry: DriverRegistry): FileUnit {
  const { file, source } = unit;
  if (!doc || !source) return unit;
  const problem = (pos: { line: number; col: number }, message: string, max?: number) => addProblem(unit, pos, message, max);
  for (const [key, list] of Object.entries(doc)) {
    if (!Object.hasOwn(SECTIONS, key)) {
      problem(source.locate([key], 'key'), `unknown top-level key '${excerpt(key, 40)}'${didYouMean(key, Object.keys(SECTIONS)) || '; a scheme file has inputs, outputs and rules'}`);
      continue;
    }
    if (list === null) continue; // `inputs:` with every entry commented out
    if (!Array.isArray(list)) {
      problem(source.locate([key]), `expected a list of ${key}, got ${show(list)}`);
      continue;
    }
    const section = SECTIONS[key as keyof typeof SECTIONS];
    list.forEach((raw: unknown, i) => {
      const path = [key, i];
      const at = source.locate(path);
      if (section === 'rule') {
        const r = validateRule(raw);
        if (r.ok) unit.rules.push({ ...r.rule, file, ...at, path, raw: raw as Record<string, unknown> });
        else for (const p of r.problems) problem(source.locate([...path, ...p.path], p.at), p.message);
        return;
      }
      const r = validateEntry(section, raw, registry);
      if (!r.ok && r.unavailable) {
        unit.unavailable.push({ ...r.unavailable, direction: section, file, ...at });
        unit.declared.push({ id: r.unavailable.id, direction: section });
        return;
      }
      if (!r.ok) {
        for (const p of r.problems) problem(source.locate([...path, ...p.path], p.at), p.message, p.maxChars);
        const id = (raw as { id?: unknown } | null)?.id;
        if (typeof id === 'string') unit.declared.push({ id, direction: section });
        return;
      }
      unit.schemes.push({ id: r.options.id as string, direction: section, driver: r.driver, options: r.options, file, ...at, path });
    });
  }
  return unit;
}

function unreadable(file: string, error: Error, prefix = !(error instanceof FileTooLarge)): FileUnit {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : error.message;
  return { file, problems: [{ file, line: 1, col: 1, message: prefix ? `cannot read: ${reason}` : reason }], schemes: [], rules: [], declared: [], unavailable: [] };
}

class FileTooLarge extends Error {}

const tooLarge = (size: number) => `the file has ${size} bytes, over the limit of ${formatBytes(MAX_SCHEME_FILE_BYTES)} for a scheme file; split it into several files`;

const MAX_PROBLEM_CHARS = 200;

/** Reads `file`, found under `dir`, noting where it really is when a symlink takes it outside `dir`. */
export async function readInside(dir: string, file: string): Promise<SchemeText> {
  const text = await readText(file);
  try {
    const [root, target] = await Promise.all([realpath(dir), realpath(file)]);
    const rel = relative(root, target);
    if (rel.startsWith('..') || isAbsolute(rel)) return { ...text, external: target };
  } catch {
    // Unreadable: readText has said why.
  }
  return text;
}

/** Reads a scheme file, refusing one past the size limit before reading it. */
async function readText(file: string): Promise<SchemeText> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > MAX_SCHEME_FILE_BYTES) return { file, error: new FileTooLarge(tooLarge(size)) };
    return { file, text: await handle.readFile('utf8') };
  } catch (error) {
    return { file, error: error as Error };
  } finally {
    await handle?.close();
  }
}

/** Every YAML file under `dir`, sorted by path so the load order never depends on the disk. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue; // editor swap files, .git
      const child = rel ? join(rel, entry.name) : entry.name;
      // Symlinked files are followed; symlinked directories are not, so a loop cannot hang the load.
      const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(join(dir, child)).catch(() => null))?.isFile());
      if (entry.isDirectory()) await walk(child);
      else if (isFile && YAML_FILE.test(entry.name)) out.push(child);
    }
  };
  await walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((rel) => join(dir, rel));
}
