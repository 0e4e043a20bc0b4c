/**
 * A lowdb adapter that writes JSON so a power cut leaves either the old file or the new one:
 * write a temp file in the same directory, fsync it, rename it over the target, fsync the
 * directory. lowdb's own TextFile adapter (steno) renames but never fsyncs, so after a power
 * cut ext4 can hand back a zero-length file.
 */
import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

let sequence = 0;

export class AtomicJsonFile<T> implements Adapter<T> {
  #writes = 0;

  /**
   * @param file the JSON file
   * @param parse turns the parsed JSON into `T`, throwing when the shape is wrong
   * @param mode the file's permissions (0o600 for a file holding secrets)
   */
  constructor(
    readonly file: string,
    private readonly parse: (raw: unknown) => T,
    private readonly mode = 0o644,
  ) {}

  /** How many times the file has been replaced since this adapter was made. */
  get writes(): number {
    return this.#writes;
  }

  /** The data, or null when the file does not exist. Throws when it is unreadable, not JSON, or the wrong shape. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return this.parse(JSON.parse(text));
  }

  async write(data: T): Promise<void> {
    // Serialise first, synchronously, so later changes to `data` cannot tear this write.
    await writeAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, this.mode);
    this.#writes++;
  }

  /** Removes temp files a killed process left behind. Only one agent uses a data directory. */
  async removeStaleTemps(): Promise<string[]> {
    const dir = dirname(this.file);
    const prefix = `${basename(this.file)}.`;
    const names = await readdir(dir).catch(() => [] as string[]);
    const stale = names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp'));
    await Promise.all(stale.map((n) => rm(join(dir, n), { force: true }).catch(() => {})));
    return stale;
  }
}

/**
 * Replaces `file` with `text` so a power cut leaves the old file or the new one: a temp file in
 * the same directory (named `.<name>.<pid>.<n>.tmp`, hidden from the scheme loader), fsynced,
 * renamed over `file`, then the directory fsynced.
 */
export async function writeAtomic(file: string, text: string, mode = 0o644, tmp = `${file}.${process.pid}.${++sequence}.tmp`): Promise<void> {
  try {
    const handle = await open(tmp, 'w', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDir(dirname(file));
}

/** A temp name beside `file` that starts with a dot, so directory loaders skip it. */
export function hiddenTemp(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${++sequence}.tmp`);
}

/** Makes a rename in `dir` durable. Some filesystems refuse to fsync a directory; then the rename is as durable as it gets. */
export async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}
