/**
 * Which device IDs may connect: the allow-list from hanode.yaml, plus the IDs paired during a
 * pairing window, kept in `gateway-paired.json` in the data directory (written atomically, so a
 * power cut leaves the old list or the new one).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AtomicJsonFile } from '../state/atomic-file.js';
import { NAME } from './protocol.js';

/** The longest pairing window `$request/pair` may open. */
export const MAX_PAIRING_MS = 60 * 60_000;
/** At most this many paired IDs are remembered; past it pairing refuses new ones. */
export const MAX_PAIRED = 10_000;

interface PairedFile {
  paired: { id: string; at: string }[];
}

function parsePaired(raw: unknown): PairedFile {
  const list = (raw as PairedFile | null)?.paired;
  if (!Array.isArray(list)) throw new Error('expected {"paired": [{"id": …, "at": …}]}');
  return { paired: list.filter((p) => p && typeof p.id === 'string' && NAME.test(p.id)).map((p) => ({ id: p.id, at: String(p.at) })) };
}

export type Admission = { ok: true; paired?: boolean } | { ok: false; reason: string };

export class Pairing {
  readonly #allow: Set<string>;
  readonly #paired = new Map<string, string>();
  readonly #file: AtomicJsonFile<PairedFile>;
  #until = 0;
  #writing: Promise<void> = Promise.resolve();

  readonly #max: number;

  constructor(opts: { file: string; allow: readonly string[]; now?: () => number; maxPaired?: number }) {
    this.#allow = new Set(opts.allow);
    this.#max = opts.maxPaired ?? MAX_PAIRED;
    this.#file = new AtomicJsonFile(opts.file, parsePaired);
    if (opts.now) this.now = opts.now;
  }

  now: () => number = () => Date.now();

  async load(): Promise<void> {
    await mkdir(dirname(this.#file.file), { recursive: true });
    await this.#file.removeStaleTemps();
    const data = await this.#file.read();
    for (const p of data?.paired ?? []) this.#paired.set(p.id, p.at);
  }

  /** Opens (or extends to) a window of `ms`, at most {@link MAX_PAIRING_MS}. Returns when it closes. */
  open(ms: number): Date {
    if (!(ms > 0) || ms > MAX_PAIRING_MS) throw new Error(`expected a pairing window from 1ms to 1h, got ${ms} ms`);
    this.#until = this.now() + ms;
    return new Date(this.#until);
  }

  close(): void {
    this.#until = 0;
  }

  /** When the open window closes, or undefined when none is open. */
  get openUntil(): Date | undefined {
    return this.now() < this.#until ? new Date(this.#until) : undefined;
  }

  get paired(): string[] {
    return [...this.#paired.keys()];
  }

  /** Whether `id` may connect; during a window an unknown ID is paired and remembered. */
  async admit(id: string): Promise<Admission> {
    if (this.#allow.has(id) || this.#paired.has(id)) return { ok: true };
    if (!this.openUntil) return { ok: false, reason: `device ${id} is not allowed; add it to gateway.allow or pair it` };
    if (this.#paired.size >= this.#max) return { ok: false, reason: `already ${this.#max} paired devices; no more can be paired` };
    this.#paired.set(id, new Date(this.now()).toISOString());
    await this.#save();
    return { ok: true, paired: true };
  }

  /** Writes one at a time, each the whole list as it is then. */
  #save(): Promise<void> {
    const next = this.#writing.then(() => this.#file.write({ paired: [...this.#paired].map(([id, at]) => ({ id, at })) }));
    this.#writing = next.catch(() => {});
    return next;
  }
}
