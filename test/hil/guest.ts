/**
 * Entry point of the HIL checks inside the qemu guest (started by guest-init.sh once
 * hardware.sh has loaded the simulators). Prints one line per check and `hil: N passed, M failed`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendChecks } from './backend.js';
import { agentChecks, scanChecks } from './agent.js';
import { check, summary } from './harness.js';
import { preloadI2c } from './sim.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parts = new Set((process.argv[2] ?? 'all').split(','));
const want = (part: string) => parts.has('all') || parts.has(part);

const preloaded = await check('set-up: the BME280 (0x76), BMP280 (0x77) and PCF8574 (0x20) registers are preloaded with i2cset', preloadI2c);
if (preloaded) {
  if (want('backend')) await backendChecks();
  if (want('scan')) await scanChecks(repo);
  if (want('agent')) await agentChecks(repo);
}
process.exitCode = summary();
