/**
 * Files that ship with hanode (package.json, bin/, schema/), found from wherever this code runs:
 * src/ through tsx, or the bundle in dist/, whose chunks sit at other depths than the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'hanode') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`hanode's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The directory holding hanode's package.json. */
export const packageRoot: string = findRoot();

/** A file of the hanode package, by its path from the package root (`bin/hanode.js`). */
export function packagePath(path: string): string {
  return join(packageRoot, path);
}
