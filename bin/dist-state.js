// Whether dist/ holds the compiled form of src/ as it is now: 'fresh', 'stale' or 'missing'.
// Only file times are compared (newest .ts under src/ against dist/cli/main.js), so it costs a few ms.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

export function distState() {
  let built;
  try {
    built = statSync(join(root, 'dist', 'cli', 'main.js')).mtimeMs;
  } catch {
    return 'missing';
  }
  try {
    return newest(join(root, 'src')) > built ? 'stale' : 'fresh';
  } catch {
    // An installed package without its sources: dist/ is all there is.
    return 'fresh';
  }
}
