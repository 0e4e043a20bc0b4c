/**
 * `hanode scan --write DIR`: writes the drafts {@link planDrafts} works out. An existing file is
 * never overwritten.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ScanResult } from '../hardware/types.js';
import { planDrafts, type WriteDraftsOptions } from '../schemes/drafts.js';

export type { Draft, WriteDraftsOptions } from '../schemes/drafts.js';
export { draftsFor, draftText } from '../schemes/drafts.js';

/**
 * Writes the drafts into `dir` (created if missing) and returns one line per thing it did or did
 * not do, for the user.
 */
export async function writeDrafts(result: ScanResult, dir: string, opts: WriteDraftsOptions): Promise<string[]> {
  await mkdir(resolve(dir), { recursive: true });
  const plan = await planDrafts(result, dir, opts);
  const out = [...plan.lines];
  for (const { file, text } of plan.files) {
    try {
      await writeFile(file, text, { flag: 'wx' }); // wx: never overwrite, even a file that appeared meanwhile
      out.push(`wrote ${file}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      out.push(`${file} exists; left as it is (scan --write never overwrites)`);
    }
  }
  return out;
}
