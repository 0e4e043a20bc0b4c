/**
 * The dashboard's files: `web/` of the package and uPlot from its npm package, read once into
 * memory with a gzip copy, and served by hanode itself (no CDN, no build step at run time).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { packagePath } from '../../core/package-root.js';
import { gzipSync } from 'node:zlib';

export interface Asset {
  type: string;
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The package's `web/` directory, from src/http/dashboard or dist/http/dashboard alike. */
export const WEB_DIR = packagePath('web') + '/';

function asset(file: string): Asset {
  const raw = readFileSync(file);
  return { type: TYPES[extname(file)] ?? 'application/octet-stream', raw, gzip: gzipSync(raw, { level: 9 }), etag: `"${createHash('sha256').update(raw).digest('hex').slice(0, 16)}"` };
}

/** URL path (under `/dashboard/`) → asset. */
export function loadAssets(dir = WEB_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) assets.set(name, asset(join(dir, name)));
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  assets.set('vendor/uPlot.iife.min.js', asset(join(uplot, 'uPlot.iife.min.js')));
  assets.set('vendor/uPlot.min.css', asset(join(uplot, 'uPlot.min.css')));
  return assets;
}
