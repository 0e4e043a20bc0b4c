/**
 * What the node should run from its schemes directory: every valid file as loaded, and every file
 * that has become invalid as it last was when valid (if it ever was). Loading never throws; each
 * load's problems come back with it.
 */
import type { Logger } from 'pino';
import type { DriverRegistry } from '../core/registry.js';
import { loadSchemeDir, formatProblem, type LoadResult, type LoadedScheme, type LoadedRule, type SchemeVars, type UnavailableScheme } from '../schemes/loader.js';

interface FilePart {
  inputs: LoadedScheme[];
  outputs: LoadedScheme[];
  rules: LoadedRule[];
}

export interface SchemeLoad {
  /** The latest load, as it is on disk. */
  loaded: LoadResult;
  /** What to run: valid files, plus the last good version of files that became invalid. */
  effective: LoadResult;
  /** Invalid files whose last good version keeps running. */
  kept: string[];
}

/** `FILE:LINE:COL: 'id' is not running: the bme280 driver could not be loaded: …`, for the log and `$error`. */
export function formatUnavailable(u: UnavailableScheme): string {
  return formatProblem({ file: u.file, line: u.line, col: u.col, message: `'${u.id}' is not running: ${u.error}; the other schemes run` });
}

export class SchemeFiles {
  readonly #lastGood = new Map<string, FilePart>();
  #latest?: LoadResult;

  /**
   * @param ctx.vars where `!secret` and `${ENV_VAR}` come from
   * @param ctx.sensitive the node's list of values never to log (the logger's and publisher's): secrets found in the files are added to it
   */
  constructor(private readonly ctx: { dir: string; registry: DriverRegistry; log: Logger; vars?: SchemeVars; sensitive?: string[] }) {}

  /** Reads the directory again. */
  async load(): Promise<SchemeLoad> {
    const { dir, registry, log, sensitive } = this.ctx;
    const loaded = await loadSchemeDir(dir, registry, this.ctx.vars);
    // Before anything is logged: a secret in a scheme file is hidden like one in hanode.yaml.
    if (sensitive) for (const v of loaded.sensitive) if (!sensitive.includes(v)) sensitive.push(v);
    for (const p of loaded.problems) log.error(formatProblem(p));
    for (const u of loaded.unavailable) log.error(formatUnavailable(u));
    const skipped = loaded.files.filter((f) => !f.ok).length;
    log.info(
      `schemes: ${loaded.files.length} file(s) in ${dir}; ${loaded.inputs.length} input(s), ${loaded.outputs.length} output(s), ${loaded.rules.length} rule(s)` +
        (skipped ? `; ${skipped} invalid file(s) skipped` : ''),
    );
    this.#latest = loaded;
    return { loaded, ...this.#withLastGood(loaded) };
  }

  /** The files of the latest load that have problems, with each problem as `FILE:LINE:COL: message`. */
  invalid(): { file: string; problems: string[] }[] {
    return (this.#latest?.files ?? []).filter((f) => !f.ok).map((f) => ({ file: f.file, problems: f.problems.map(formatProblem) }));
  }

  #withLastGood(loaded: LoadResult): { effective: LoadResult; kept: string[] } {
    const byFile = new Map<string, FilePart>();
    const part = (file: string) => byFile.get(file) ?? byFile.set(file, { inputs: [], outputs: [], rules: [] }).get(file)!;
    for (const s of loaded.inputs) part(s.file).inputs.push(s);
    for (const s of loaded.outputs) part(s.file).outputs.push(s);
    for (const r of loaded.rules) part(r.file).rules.push(r);
    const kept: string[] = [];
    const present = new Set(loaded.files.map((f) => f.file));
    for (const file of [...this.#lastGood.keys()]) if (!present.has(file)) this.#lastGood.delete(file);
    for (const report of loaded.files) {
      if (report.ok) this.#lastGood.set(report.file, part(report.file));
      else if (this.#lastGood.has(report.file)) kept.push(report.file);
    }
    const parts = [...this.#lastGood.values()];
    const effective: LoadResult = {
      ...loaded,
      inputs: parts.flatMap((p) => p.inputs),
      outputs: parts.flatMap((p) => p.outputs),
      rules: parts.flatMap((p) => p.rules),
    };
    return { effective, kept };
  }
}
