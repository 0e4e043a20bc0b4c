/**
 * `node --import tsx bench/compare.ts OTHER [ROUNDS] [IDLE_ROUNDS]`: this checkout's hanode against
 * another one's (OTHER: a directory holding another version's bin/ and built dist/, e.g. a
 * `git worktree` of main after `npm run build`), started alternately on one private Mosquitto so
 * both see the same load. Prints the medians of spawn → retained `online` with 50 and 500
 * schemes (ROUNDS each, default 5), and of idle RSS after 30 s with 50 schemes read every second
 * and 500 read every 30 s, both versions and a bare mqtt.js process side by side (IDLE_ROUNDS,
 * default 3). The footprint table compares hanode with the bare process; this compares two
 * versions of hanode, which the footprint table's moving baseline cannot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { connect } from 'mqtt';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { NODE_FLAGS } from '../src/cli/service.js';
import { nodeDir, schemeMix } from './schemes.js';
import { spawnBare } from './footprint.js';
import { rssMiB, running, stopProcess } from './lib.js';

const [otherArg, roundsArg, idleArg] = process.argv.slice(2);
if (!otherArg) {
  console.error('usage: node --import tsx bench/compare.ts OTHER_CHECKOUT [ROUNDS] [IDLE_ROUNDS]');
  process.exit(2);
}
const versions = { this: resolve('.'), other: resolve(otherArg) };
const rounds = Number(roundsArg ?? 5);
const idleRounds = Number(idleArg ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let serial = 0;
/** Starts `hanode run` from `root` on sim and resolves once its retained `online` is seen. */
async function agent(url: string, root: string, files: Record<string, string>): Promise<{ child: ChildProcess; onlineMs: number }> {
  const node = `compare-${process.pid}-${++serial}`;
  const dirs = nodeDir(node, files);
  const watcher = connect(url, { clientId: `compare-watch-${node}` });
  await watcher.subscribeAsync(`han/${node}/status`, { qos: 1 });
  const t0 = performance.now();
  const args = [...NODE_FLAGS, 'bin/hanode.js', 'run', '--mqtt', url, '--node', node, '--hardware', 'sim', '--schemes', dirs.schemes, '--data', dirs.data, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  try {
    const onlineMs = await new Promise<number>((res, rej) => {
      watcher.on('message', (_t, p) => p.toString() === 'online' && res(performance.now() - t0));
      child.once('exit', (code) => rej(new Error(`hanode in ${root} exited with ${code} before it was online`)));
    });
    return { child, onlineMs };
  } finally {
    await watcher.endAsync();
  }
}

const broker = await Mosquitto.start();
const seen: Record<string, number[]> = {};
const add = (key: string, value: number) => (seen[key] ??= []).push(value);
try {
  for (let r = 0; r < rounds; r++) {
    const bare = await spawnBare(broker.url, `compare/bare-${process.pid}-${r}/status`);
    add('spawn → online, bare connect + publish [ms]', bare.onlineMs);
    await stopProcess(bare.child);
    for (const size of [50, 500]) {
      // Alternate which goes first, so neither always starts on a warmer machine.
      for (const v of r % 2 ? (['other', 'this'] as const) : (['this', 'other'] as const)) {
        const a = await agent(broker.url, versions[v], { 'mix.yaml': schemeMix(size) });
        add(`spawn → online, ${size} schemes, ${v} [ms]`, a.onlineMs);
        await stopProcess(a.child);
      }
    }
  }
  for (let r = 0; r < idleRounds; r++) {
    const started: Record<string, ChildProcess> = {};
    for (const v of ['this', 'other'] as const) {
      started[`idle RSS, 50 schemes every 1 s, ${v} [MiB]`] = (await agent(broker.url, versions[v], { 'mix.yaml': schemeMix(50) })).child;
      started[`idle RSS, 500 schemes every 30 s, ${v} [MiB]`] = (await agent(broker.url, versions[v], { 'mix.yaml': schemeMix(500, { interval: '30s' }) })).child;
    }
    started['idle RSS, bare node + mqtt.js [MiB]'] = (await spawnBare(broker.url)).child;
    await new Promise((res) => setTimeout(res, 30_000));
    for (const [key, child] of Object.entries(started)) add(key, rssMiB(child.pid!));
    await Promise.all(Object.values(started).map(stopProcess));
  }
} finally {
  await broker.stop();
}
console.log(`this: ${versions.this}\nother: ${versions.other}`);
for (const [key, values] of Object.entries(seen)) console.log(`${key.padEnd(48)} ${median(values).toFixed(1).padStart(8)}   (${values.map((v) => v.toFixed(0)).join(' ')})`);
process.exit(0);
