/**
 * Scheme files changed over MQTT (`$request/scheme/put`, `scheme/delete`, `scheme/get`; README
 * "Managing nodes without SSH"). A file name is a path relative to the schemes directory and never
 * leaves it: no `..`, no absolute path, no symbolic link out. A put is validated with the same
 * loader `hanode validate` uses, together with the other files (a duplicate id counts), and only a
 * valid file is written: atomically (temp file, fsync, rename, fsync the directory), then applied
 * through the scheme runtime's reload. An invalid one changes nothing and is answered with every
 * problem as `FILE:LINE:COL: message`.
 */
import { lstat, mkdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { DriverRegistry } from '../core/registry.js';
import { formatBytes, MAX_SCHEME_FILE_BYTES } from '../core/limits.js';
import { listYamlFiles, loadSchemeTextsWithDrivers, readInside, varsFor, type Problem, type SchemeText } from '../schemes/loader.js';
import { hiddenTemp, syncDir, writeAtomic } from '../state/atomic-file.js';

/** The longest scheme file name a request may give, in characters. */
export const MAX_SCHEME_NAME_CHARS = 200;
/** The deepest a scheme file may sit below the schemes directory (`a/b/c/d.yaml` is 4). */
export const MAX_SCHEME_DEPTH = 4;

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const YAML_FILE = /\.ya?ml$/;

/** A refusal that carries the problems found, for the answer's `data`. */
export class SchemeEditError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length ? `${message}: ${problems.join('; ')}` : message);
  }
}

export interface SchemeEditorContext {
  /** The schemes directory. */
  dir: string;
  registry: DriverRegistry;
  log: Logger;
  /** The secrets.yaml that `!secret` in a scheme file reads, as when the agent loads them. */
  secretsFile?: string;
  /** Runs `change`, then applies the directory as it now is, with no other reload between (the scheme runtime's reload). */
  reload(change: () => Promise<void>): Promise<unknown>;
}

/**
 * What `file` names under `dir`, or an error that says what a name may be. Pure: it checks the
 * text only; {@link SchemeEditor} checks symbolic links on disk.
 */
export function schemeFileName(file: unknown): string {
  const expected = `expected {"file": "<name>.yaml"}: a path relative to the schemes directory, such as kitchen.yaml or rooms/hall.yml`;
  if (typeof file !== 'string' || file === '') throw new SchemeEditError(expected);
  if (file.length > MAX_SCHEME_NAME_CHARS) throw new SchemeEditError(`file name of ${file.length} characters is over the limit of ${MAX_SCHEME_NAME_CHARS}`);
  const shown = JSON.stringify(file);
  if (isAbsolute(file) || file.startsWith('/') || file.includes('\\')) throw new SchemeEditError(`${shown} is not relative to the schemes directory; ${expected}`);
  const parts = file.split('/');
  if (parts.some((p) => p === '..' || p === '.')) throw new SchemeEditError(`${shown} leaves the schemes directory ('..' or '.' in the path); ${expected}`);
  if (!parts.every((p) => SEGMENT.test(p))) throw new SchemeEditError(`${shown}: each part of the path is letters, digits, '.', '_' and '-', not starting with '.' or '-'; ${expected}`);
  if (parts.length > MAX_SCHEME_DEPTH) throw new SchemeEditError(`${shown} is ${parts.length} levels deep, over the limit of ${MAX_SCHEME_DEPTH}`);
  if (!YAML_FILE.test(file)) throw new SchemeEditError(`${shown} does not end in .yaml or .yml; the node loads only those`);
  return file;
}

export class SchemeEditor {
  /** Edits run one at a time, so two puts are never validated against the same old directory. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: SchemeEditorContext) {}

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** The text of one scheme file. */
  async get(file: unknown): Promise<{ file: string; yaml: string; bytes: number }> {
    const name = schemeFileName(file);
    const path = await this.#inside(name, { mustExist: true });
    const info = await stat(path);
    if (!info.isFile()) throw new SchemeEditError(`${name} is not a file`);
    if (info.size > MAX_SCHEME_FILE_BYTES) throw new SchemeEditError(`${name} has ${info.size} bytes, over the limit of ${formatBytes(MAX_SCHEME_FILE_BYTES)} for a scheme file`);
    const yaml = await readFile(path, 'utf8');
    return { file: name, yaml, bytes: Buffer.byteLength(yaml) };
  }

  /** Validates `yaml` as `file` among the others, writes it, and applies it. */
  put(file: unknown, yaml: unknown): Promise<{ file: string; created: boolean; bytes: number; reload: unknown }> {
    return this.#serial(() => this.#put(file, yaml));
  }

  /** Removes one scheme file and applies the change; refused when other files would then be invalid. */
  delete(file: unknown): Promise<{ file: string; reload: unknown }> {
    return this.#serial(() => this.#delete(file));
  }

  async #put(file: unknown, yaml: unknown): Promise<{ file: string; created: boolean; bytes: number; reload: unknown }> {
    const name = schemeFileName(file);
    if (typeof yaml !== 'string') throw new SchemeEditError('expected {"file": "<name>.yaml", "yaml": "<the file\'s text>"}');
    const bytes = Buffer.byteLength(yaml, 'utf8');
    if (bytes > MAX_SCHEME_FILE_BYTES) {
      throw new SchemeEditError(`yaml of ${bytes} bytes is over the limit of ${formatBytes(MAX_SCHEME_FILE_BYTES)} for a scheme file; split it into several files`);
    }
    const path = await this.#inside(name, { mustExist: false });
    const existing = await lstat(path).catch(() => undefined);
    if (existing && !existing.isFile()) throw new SchemeEditError(`${name} exists and is not a plain file (a directory or a symbolic link); not replaced`);
    const problems = await this.#problemsWith(path, { file: path, text: yaml });
    if (problems.length) throw new SchemeEditError(`${name} is invalid; nothing was changed`, problems);
    const reload = await this.ctx.reload(async () => {
      await mkdir(dirname(path), { recursive: true });
      await writeAtomic(path, yaml, 0o644, hiddenTemp(path));
      this.ctx.log.info(`scheme/put: wrote ${name} (${bytes} bytes${existing ? ', replaced' : ', new'})`);
    });
    return { file: name, created: !existing, bytes, reload };
  }

  async #delete(file: unknown): Promise<{ file: string; reload: unknown }> {
    const name = schemeFileName(file);
    const path = await this.#inside(name, { mustExist: true });
    const info = await lstat(path);
    if (!info.isFile() && !info.isSymbolicLink()) throw new SchemeEditError(`${name} is not a file`);
    const problems = await this.#problemsWith(path, undefined);
    if (problems.length) throw new SchemeEditError(`removing ${name} would make other scheme files invalid; nothing was deleted`, problems);
    const reload = await this.ctx.reload(async () => {
      await rm(path);
      await syncDir(dirname(path));
      this.ctx.log.info(`scheme/delete: removed ${name}`);
    });
    return { file: name, reload };
  }

  /**
   * The problems the directory would newly have with `path` replaced by `text` (or removed when
   * `text` is undefined): every problem of the new file, and those of files that are valid now.
   */
  async #problemsWith(path: string, text: SchemeText | undefined): Promise<string[]> {
    const { dir, registry } = this.ctx;
    const files = await listYamlFiles(dir).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
      throw err;
    });
    const current = await Promise.all(files.map((f) => readInside(dir, f)));
    const others = current.filter((t) => t.file !== path);
    const next = text ? [...others, text] : others;
    const vars = await varsFor([...current, ...next], { secretsFile: this.ctx.secretsFile });
    const before = await loadSchemeTextsWithDrivers(current, registry, vars);
    const validBefore = new Set(before.files.filter((f) => f.ok).map((f) => f.file));
    const after = await loadSchemeTextsWithDrivers(next, registry, vars);
    return after.problems.filter((p) => p.file === path || validBefore.has(p.file)).map((p) => this.#format(p));
  }

  /** `FILE:LINE:COL: message` with the file relative to the schemes directory, as the request named it. */
  #format(p: Problem): string {
    return `${relative(this.ctx.dir, p.file).split(sep).join('/')}:${p.line}:${p.col}: ${p.message}`;
  }

  /**
   * The absolute path of `name`, after checking that no symbolic link on the way takes it out of
   * the schemes directory.
   */
  async #inside(name: string, o: { mustExist: boolean }): Promise<string> {
    const { dir } = this.ctx;
    const path = resolve(dir, name);
    const root = await realpath(dir).catch(() => undefined);
    if (!root) {
      if (o.mustExist) throw new SchemeEditError(`no scheme file ${name}: the schemes directory ${dir} does not exist`);
      await mkdir(dir, { recursive: true });
      return path;
    }
    // The deepest part of the path that exists must resolve inside the directory.
    let probe = path;
    for (;;) {
      const real = await realpath(probe).catch(() => undefined);
      if (real !== undefined) {
        const rel = relative(root, real);
        if (rel.startsWith('..') || isAbsolute(rel)) throw new SchemeEditError(`${name} resolves outside the schemes directory (a symbolic link); refused`);
        break;
      }
      if (probe === dir || dirname(probe) === probe) break;
      probe = dirname(probe);
    }
    if (o.mustExist && !(await lstat(path).catch(() => undefined))) {
      throw new SchemeEditError(`no scheme file ${name} in the schemes directory`);
    }
    return join(dir, name);
  }
}
