/** `hanode validate [PATH…]`: one `FILE:LINE:COL: message` line per problem; exit 1 on any. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { validatePaths, formatProblem } from '../schemes/loader.js';
import { registryFor } from './registry.js';

export async function validateCommand(paths: string[], opts: { config?: string }): Promise<number> {
  const config = await loadConfig({ config: opts.config });
  const { registry, problems: loadProblems } = await registryFor(config);
  // A bridge left out of hanode.yaml is a problem too (the agent would run without it).
  const pluginProblems = [...loadProblems, ...(config.bridgeProblems ?? []).map(formatProblem)];
  for (const p of pluginProblems) process.stdout.write(p + '\n');
  const targets = paths.length ? paths : [config.schemes];
  const missing = targets.filter((p) => !existsSync(p));
  for (const p of missing) process.stderr.write(`${p}: no such file or directory\n`);
  // `!secret` in scheme files reads the secrets.yaml beside hanode.yaml, as the agent does.
  const { problems, fileCount } = await validatePaths(targets.filter((p) => existsSync(p)), registry, { secretsFile: resolve(config.dir, 'secrets.yaml') });
  for (const p of problems) process.stdout.write(formatProblem(p) + '\n');
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`;
  if (problems.length || missing.length || pluginProblems.length) {
    process.stderr.write(`${problems.length + missing.length + pluginProblems.length} problem(s) in ${files}\n`);
    return 1;
  }
  process.stderr.write(`${files} valid\n`);
  return 0;
}
