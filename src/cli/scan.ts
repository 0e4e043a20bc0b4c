/** `hanode scan`: what hardware the OS shows. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createLogger } from '../core/log.js';
import type { DriverRegistry } from '../core/registry.js';
import { builtinRegistry, registryFor } from './registry.js';
import { createHardware } from '../hardware/index.js';
import { ChipCatalog } from '../hardware/catalog.js';
import type { ScanResult } from '../hardware/types.js';

export async function scanCommand(opts: { json?: boolean; hardware: 'auto' | 'linux' | 'sim'; write?: string; roots?: string }): Promise<number> {
  // Logs go to stderr so `--json` output stays clean for pipes.
  const log = createLogger(opts.json ? 'warn' : 'info', { stderr: true });
  // --roots DIR: read DIR/sys, DIR/dev and DIR/proc instead of the real ones (a copied or fixture tree).
  const roots = opts.roots ? { sys: join(opts.roots, 'sys'), dev: join(opts.roots, 'dev'), proc: join(opts.roots, 'proc') } : undefined;
  const hardware = await createHardware(opts.hardware, { log, roots });
  try {
    // Drafts may use the plugins of ./hanode.yaml, whose chips then join the catalog too.
    const registry = opts.write ? await draftRegistry(log) : builtinRegistry();
    const result = await hardware.scan({ catalog: ChipCatalog.of(registry) });
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : describeScan(result));
    if (opts.write) {
      const { writeDrafts } = await import('./scan-write.js');
      for (const line of await writeDrafts(result, opts.write, { registry })) process.stderr.write(line + '\n');
    }
    return 0;
  } finally {
    await hardware.close();
  }
}

/** The drivers drafts may use: the built-ins plus the plugins of ./hanode.yaml, when it loads. */
async function draftRegistry(log: Logger): Promise<DriverRegistry> {
  try {
    const { loadConfig } = await import('../config/config.js');
    return (await registryFor(await loadConfig({}), log)).registry;
  } catch (err) {
    log.warn(`scan --write: drafting with the built-in drivers only (${(err as Error).message})`);
    return builtinRegistry();
  }
}

export function describeScan(r: ScanResult): string {
  const lines = [`hardware: ${r.hardware}`, '', 'GPIO chips:'];
  for (const c of r.gpiochips) lines.push(`  ${c.name.padEnd(12)} ${c.label.padEnd(28)} base ${String(c.base).padEnd(4)} lines ${c.ngpio}`);
  if (!r.gpiochips.length) lines.push('  none');
  lines.push('', 'I2C buses:');
  for (const b of r.i2c) {
    lines.push(`  /dev/i2c-${b.bus}: ${b.addresses.length ? '' : 'no device answered'}`);
    for (const a of b.addresses) lines.push(`    ${a.hex}  ${a.likely.join(', ') || 'unknown'}`);
  }
  if (!r.i2c.length) lines.push('  none');
  lines.push('', 'SPI devices:');
  for (const s of r.spi) lines.push(`  ${s.path}`);
  if (!r.spi.length) lines.push('  none');
  lines.push('', '1-wire devices:');
  for (const id of r.onewire) lines.push(`  ${id}`);
  if (!r.onewire.length) lines.push('  none');
  lines.push('', 'IIO devices:');
  for (const d of r.iio) lines.push(`  ${d.device.padEnd(14)} ${d.name}`);
  if (!r.iio.length) lines.push('  none');
  const s = r.system;
  lines.push('', 'System:', `  ${s.model ?? 'unknown model'}, ${s.hostname}, kernel ${s.kernel} (${s.arch})`);
  lines.push(`  cpu_temp ${s.cpu_temp ?? 'n/a'} °C, load1 ${s.load1}, mem ${s.mem_used_pct} %, disk ${s.disk_used_pct} %, uptime ${s.uptime} s`);
  return lines.join('\n') + '\n';
}
