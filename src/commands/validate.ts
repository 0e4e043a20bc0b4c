/** `hanode validate [PATH…]`: one `FILE:LINE:COL: message` line per problem; exit 1 on any. */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/config.js';
import { builtinRegistry } from '../core/registry.js';
import { validatePaths, formatProblem } from '../schemes/loader.js';

export async function validateCommand(paths: string[], opts: { config?: string }): Promise<number> {
  const targets = paths.length ? paths : [(await loadConfig({ config: opts.config })).schemes];
  const missing = targets.filter((p) => !existsSync(p));
  for (const p of missing) process.stderr.write(`${p}: no such file or directory\n`);
  const { problems, fileCount } = await validatePaths(targets.filter((p) => existsSync(p)), builtinRegistry());
  for (const p of problems) process.stdout.write(formatProblem(p) + '\n');
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`;
  if (problems.length || missing.length) {
    process.stderr.write(`${problems.length + missing.length} problem(s) in ${files}\n`);
    return 1;
  }
  process.stderr.write(`${files} valid\n`);
  return 0;
}
