/** RSS of the agent running 50 schemes, next to a bare node process holding one mqtt.js connection. */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, stopProcess, rssMiB, fmt } from './lib.js';

function fiftySchemes(): string {
  const lines = ['inputs:'];
  for (let i = 0; i < 10; i++) lines.push(`  - { id: climate-${i}, driver: bme280, bus: ${1 + Math.floor(i / 2)}, address: ${i % 2 ? '0x77' : '0x76'}, interval: 1s }`);
  for (let i = 0; i < 10; i++) lines.push(`  - { id: tank-${i}, driver: ds18b20, sensor_id: 28-00000000000${i}, interval: 1s }`);
  for (let i = 0; i < 8; i++) lines.push(`  - { id: adc-${i}, driver: mcp3008, channel: ${i}, interval: 1s }`);
  for (let i = 0; i < 2; i++) lines.push(`  - { id: pi-${i}, driver: system, interval: 1s }`);
  for (let i = 0; i < 10; i++) lines.push(`  - { id: button-${i}, driver: gpio-in, pin: ${2 + i} }`);
  lines.push('outputs:');
  for (let i = 0; i < 10; i++) lines.push(`  - { id: relay-${i}, driver: gpio-out, pin: ${12 + i} }`);
  return lines.join('\n') + '\n';
}

export async function benchMemory(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-mem-'));
  mkdirSync(join(dir, 'schemes'));
  writeFileSync(join(dir, 'schemes', 'fifty.yaml'), fiftySchemes());
  const agent = await startAgentProcess(url, 'bench-mem', ['--hardware', 'sim', '--schemes', join(dir, 'schemes'), '--data', join(dir, 'data'), '--log-level', 'warn']);
  await new Promise((r) => setTimeout(r, 5_000)); // five poll rounds
  const hanode = rssMiB(agent.pid!);
  await stopProcess(agent);

  const bare = spawn(process.execPath, ['--input-type=module', '-e', `import { connect } from 'mqtt'; const c = connect(${JSON.stringify(url)}); c.on('connect', () => console.log('up'));`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => bare.stdout!.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 1_000));
  const baseline = rssMiB(bare.pid!);
  await stopProcess(bare);
  return { hanode, baseline };
}

export function printMemory(r: Awaited<ReturnType<typeof benchMemory>>) {
  console.log('\nMemory (RSS, MiB)');
  console.log(`  bare node + mqtt.js connection   ${fmt(r.baseline, 1).padStart(7)}`);
  console.log(`  hanode with 50 schemes (sim)     ${fmt(r.hanode, 1).padStart(7)}`);
}
