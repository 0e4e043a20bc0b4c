import { readFileSync } from 'node:fs';
import { packagePath } from './core/package-root.js';

/** hanode's version, from package.json. */
export const version: string = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')).version;
