/**
 * `$request/backup`: one JSON answer with what it takes to rebuild a node: every scheme file as
 * written, `hanode.yaml` with its secrets hidden (see {@link redactConfigText}; `secrets.yaml` is
 * never included), and the state store (last states, counters, `$request` overrides). The whole
 * answer is bounded by {@link MAX_BACKUP_BYTES}.
 */
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { formatBytes, MAX_CONFIG_FILE_BYTES } from '../core/limits.js';
import { redactConfigText } from '../config/redact-config.js';
import { listYamlFiles, readInside } from '../schemes/loader.js';
import type { StateData } from '../state/index.js';
import { version } from '../version.js';

/** The largest backup answer: 8 MiB of JSON. */
export const MAX_BACKUP_BYTES = 8 * 1024 * 1024;

export interface BackupContext {
  node: string;
  schemesDir: string;
  /** hanode.yaml, when the node runs with one. */
  configFile?: string;
  /** Values from secrets and the environment, hidden wherever they appear. */
  sensitive: readonly string[];
  state: () => StateData;
  /** For tests of the bound. */
  maxBytes?: number;
}

export interface Backup {
  version: string;
  node: string;
  created: string;
  schemes: { file: string; yaml: string }[];
  /** Scheme files left out: unreadable, or linked from outside the schemes directory. */
  skipped: { file: string; reason: string }[];
  config: { file: string; yaml: string } | null;
  state: StateData;
  /** What counted against the limit: the scheme texts and names, the config text and the state's JSON. */
  bytes: number;
}

export async function makeBackup(ctx: BackupContext): Promise<Backup> {
  const max = ctx.maxBytes ?? MAX_BACKUP_BYTES;
  let total = 0;
  const count = (what: string, n: number) => {
    total += n;
    if (total > max) throw new Error(`backup: over the limit of ${formatBytes(max)} at ${what}; copy the schemes directory and data/state.json over SSH instead`);
  };
  const files = await listYamlFiles(ctx.schemesDir).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
    throw err;
  });
  const schemes: Backup['schemes'] = [];
  const skipped: Backup['skipped'] = [];
  for (const path of files) {
    const file = relative(ctx.schemesDir, path).split(sep).join('/');
    const text = await readInside(ctx.schemesDir, path);
    if ('error' in text) skipped.push({ file, reason: text.error.message });
    else if (text.external !== undefined) skipped.push({ file, reason: 'links to a file outside the schemes directory' });
    else {
      count(file, Buffer.byteLength(text.text) + file.length);
      schemes.push({ file, yaml: text.text });
    }
  }
  let config: Backup['config'] = null;
  if (ctx.configFile) {
    const raw = await readFile(ctx.configFile, 'utf8');
    if (Buffer.byteLength(raw) > MAX_CONFIG_FILE_BYTES) throw new Error(`backup: ${ctx.configFile} is over the limit of ${formatBytes(MAX_CONFIG_FILE_BYTES)} for a config file`);
    const yaml = redactConfigText(raw, ctx.sensitive);
    count('hanode.yaml', Buffer.byteLength(yaml));
    config = { file: ctx.configFile, yaml };
  }
  const state = ctx.state();
  count('the state store', Buffer.byteLength(JSON.stringify(state)));
  return { version, node: ctx.node, created: new Date().toISOString(), schemes, skipped, config, state, bytes: total };
}
