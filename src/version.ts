import { readFileSync } from 'node:fs';
import { packagePath } from './core/package-root.js';

const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string; homepage?: unknown };

/** hanode's version, from package.json. */
export const version: string = pkg.version;

/** Where users find hanode's documentation and help: package.json's `homepage`. */
export const homepage: string | undefined = typeof pkg.homepage === 'string' && /^https?:\/\//.test(pkg.homepage) ? pkg.homepage : undefined;
