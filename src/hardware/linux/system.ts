/** `SystemSource` from /proc, sysfs, statfs and node:os. */
import { readFile, statfs } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import type { LinuxRoots, SystemFacts, SystemSource } from '../types.js';

/** Rounds to one decimal, the precision every percentage and temperature is published with. */
export const round1 = (n: number): number => Math.round(n * 10) / 10;

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** `MemTotal`/`MemAvailable` from /proc/meminfo → % in use. MemAvailable counts reclaimable cache as free, as `free` does. */
export function parseMemUsedPct(meminfo: string): number {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo);
    if (!m) throw new Error(`meminfo has no ${name}`);
    return Number(m[1]);
  };
  const total = field('MemTotal');
  return round1(((total - field('MemAvailable')) / total) * 100);
}

export interface LinuxSystemOptions {
  roots: LinuxRoots;
  /** Filesystem whose usage is `disk_used_pct`; default `/`. */
  diskPath?: string;
}

export class LinuxSystem implements SystemSource {
  readonly #roots: LinuxRoots;
  readonly #diskPath: string;

  constructor(options: LinuxSystemOptions) {
    this.#roots = options.roots;
    this.#diskPath = options.diskPath ?? '/';
  }

  async facts(): Promise<SystemFacts> {
    const { proc, sys } = this.#roots;
    const [loadavg, meminfo, uptime, temp, model, disk] = await Promise.all([
      readFile(join(proc, 'loadavg'), 'utf8'),
      readFile(join(proc, 'meminfo'), 'utf8'),
      readFile(join(proc, 'uptime'), 'utf8'),
      readText(join(sys, 'class', 'thermal', 'thermal_zone0', 'temp')),
      this.#model(),
      statfs(this.#diskPath),
    ]);
    // Used as `df` counts it: blocks reserved for root are neither used nor available.
    const used = disk.blocks - disk.bfree;
    const capacity = used + disk.bavail;
    return {
      hostname: hostname(),
      model,
      kernel: release(),
      arch: process.arch,
      cpu_temp: temp === null ? null : round1(Number.parseInt(temp, 10) / 1000),
      load1: Number.parseFloat(loadavg),
      mem_used_pct: parseMemUsedPct(meminfo),
      disk_used_pct: capacity > 0 ? round1((used / capacity) * 100) : 0,
      uptime: Math.floor(Number.parseFloat(uptime)),
    };
  }

  /** The board name from the device tree; null off a device-tree machine (a PC, most containers). */
  async #model(): Promise<string | null> {
    const { proc, sys } = this.#roots;
    for (const path of [join(proc, 'device-tree', 'model'), join(sys, 'firmware', 'devicetree', 'base', 'model')]) {
      const text = await readText(path);
      // The property is a C string: it ends in NUL.
      if (text !== null) return text.replace(/\0+$/, '').trim() || null;
    }
    return null;
  }
}
