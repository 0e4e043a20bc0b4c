#!/usr/bin/env node
// Runs the compiled code in dist/, which `npm install` builds (the `prepare` script). When dist/
// is missing or older than src/, it says so in one line and runs src/ through tsx instead (a
// development checkout has it), rather than running stale code.
import { distState } from './dist-state.js';

const state = distState();
let main;
if (state === 'fresh') {
  ({ main } = await import('../dist/cli.js'));
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error(`hanode: dist/ is ${state === 'missing' ? 'missing' : 'older than src/'}; run \`npm run build\` (or \`npm install\`) first`);
    process.exit(1);
  }
  console.error(`hanode: dist/ is ${state === 'missing' ? 'missing' : 'older than src/'} (\`npm run build\` compiles it); running src/ through tsx`);
  register();
  ({ main } = await import('../src/cli.ts'));
}
await main(process.argv);
