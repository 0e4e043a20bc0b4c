/** Scheme files for the footprint and home benches: a realistic mix of sim devices that validates. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MixOptions {
  /** Reading interval of the polled inputs. */
  interval?: string;
  /** Leave out the GPIO inputs and outputs (they publish on change, not per interval). */
  polledOnly?: boolean;
  /** How many gpio-in buttons and gpio-out relays, each (at most 10; default 10). */
  gpio?: number;
  /** How many `system` inputs (each reads /proc, so a real node has one or two). */
  system?: number;
}

/**
 * `n` schemes: up to 10 (`gpio`) gpio-in buttons and 10 gpio-out relays (pins 2-11 and 12-21), `system`
 * inputs, and the rest split between BME280s (two addresses per I2C bus), DS18B20s (distinct
 * 1-wire ids) and MCP3008 channels (8 per chip, 2 chips per SPI bus), in that rotation.
 */
export function schemeMix(n: number, opts: MixOptions = {}): string {
  const interval = opts.interval ?? '1s';
  const inputs: string[] = [];
  const outputs: string[] = [];
  let left = n;
  if (!opts.polledOnly) {
    const gpio = Math.min(10, opts.gpio ?? 10);
    for (let i = 0; i < gpio && left > 0; i++, left--) inputs.push(`  - { id: button-${i}, driver: gpio-in, pin: ${2 + i} }`);
    for (let i = 0; i < gpio && left > 0; i++, left--) outputs.push(`  - { id: relay-${i}, driver: gpio-out, pin: ${12 + i} }`);
  }
  for (let i = 0; i < (opts.system ?? 2) && left > 0; i++, left--) inputs.push(`  - { id: pi-${i}, driver: system, interval: ${interval} }`);
  let bme = 0, ds = 0, adc = 0;
  for (let k = 0; left > 0; k++, left--) {
    if (k % 3 === 0) {
      inputs.push(`  - { id: climate-${bme}, driver: bme280, bus: ${1 + Math.floor(bme / 2)}, address: ${bme % 2 ? '0x77' : '0x76'}, interval: ${interval} }`);
      bme++;
    } else if (k % 3 === 1) {
      inputs.push(`  - { id: tank-${ds}, driver: ds18b20, sensor_id: 28-${ds.toString(16).padStart(12, '0')}, interval: ${interval} }`);
      ds++;
    } else {
      inputs.push(`  - { id: adc-${adc}, driver: mcp3008, bus: ${Math.floor(adc / 16)}, device: ${Math.floor(adc / 8) % 2}, channel: ${adc % 8}, interval: ${interval} }`);
      adc++;
    }
  }
  return ['inputs:', ...inputs, ...(outputs.length ? ['outputs:', ...outputs] : [])].join('\n') + '\n';
}

/** A fresh node directory (schemes/ holding the given files, data/ beside it). */
export function nodeDir(prefix: string, files: Record<string, string>): { dir: string; schemes: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), `hanode-bench-${prefix}-`));
  const schemes = join(dir, 'schemes');
  mkdirSync(schemes);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(schemes, name), text);
  return { dir, schemes, data: join(dir, 'data') };
}
