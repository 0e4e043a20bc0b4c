#!/usr/bin/env -S node --max-semi-space-size=16 --v8-pool-size=1
// Runs the compiled code in dist/, which `npm install` builds (the `prepare` script). When dist/
// is missing or older than src/, it says so in one line and runs src/ through tsx instead (a
// development checkout has it), rather than running stale code. HANODE_FROM_SOURCE=1
// (`npm run dev`) always runs src/.
import { distState } from './dist-state.js';
import { tooOld } from './node-version.js';

const old = tooOld(process.version);
if (old) {
  console.error(old);
  process.exit(1);
}

const fromSource = process.env.HANODE_FROM_SOURCE === '1';
const state = fromSource ? 'source' : distState();
let main;
if (state === 'fresh') {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const why = state === 'missing' ? 'dist/ is missing' : 'dist/ is older than src/';
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error(`hanode: ${fromSource ? 'HANODE_FROM_SOURCE needs tsx (a dev dependency)' : `${why}; run \`npm run build\` (or \`npm install\`) first`}`);
    process.exit(1);
  }
  if (!fromSource) console.error(`hanode: ${why} (\`npm run build\` compiles it); running src/ through tsx`);
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
