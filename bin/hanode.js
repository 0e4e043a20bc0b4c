#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so `npx hanode` works straight after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main(process.argv);
