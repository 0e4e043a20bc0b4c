/**
 * `npm run bench`: every figure next to a baseline measured in the same run on the same broker.
 * `npm run bench -- footprint --runs 3` repeats the footprint table and prints medians;
 * `npm run bench -- home` runs the 50-node home and `npm run bench -- dashboard` the dashboard in
 * Chromium (each only when named).
 */
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { benchControlLatency, printControlLatency } from './control-latency.js';
import { benchMemory, printMemory } from './memory.js';
import { benchDurable, printDurable } from './durable.js';
import { benchRules, printRules } from './rules.js';
import { benchBridgeOutage, printBridgeOutage } from './bridge.js';
import { benchGateway, printGateway } from './gateway.js';
import { benchAbuse, printAbuse } from './abuse.js';
import { benchHistory, printHistory } from './history.js';
import { benchFootprint, printFootprint, runDescription, type FootprintRun } from './footprint.js';
import { benchHome } from './home.js';
import { benchDashboard } from './dashboard.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = Math.max(1, Number(runsAt >= 0 ? args.splice(runsAt, 2)[1] : (process.env.BENCH_RUNS ?? 1)) || 1);
const only = args;
const want = (name: string) => only.length === 0 || only.includes(name);
// A Ctrl-C or kill still ends every agent and broker the bench started (lib.ts kills them on exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

if (only.includes('home')) {
  await benchHome();
  if (only.length === 1) process.exit(0);
}

const broker = await Mosquitto.start();
console.log(`hanode bench on a private Mosquitto at ${broker.url} (node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
try {
  if (want('footprint')) {
    console.log(`\nFootprint, ${runDescription()}`);
    const results: FootprintRun[] = [];
    for (let i = 1; i <= runs; i++) {
      console.log(`run ${i} of ${runs}:`);
      results.push(await benchFootprint(broker, console.log));
      printFootprint([results[i - 1]], `Footprint, run ${i} of ${runs}`);
    }
    if (runs > 1) printFootprint(results, `Footprint, medians of ${runs} runs`);
  }
  if (want('latency')) printControlLatency(await benchControlLatency(broker.url));
  if (want('memory')) printMemory(await benchMemory(broker.url));
  if (want('durable')) printDurable(await benchDurable(broker.url));
  if (want('rules')) printRules(await benchRules(broker.url));
  if (want('gateway')) printGateway(await benchGateway(broker.url));
  if (want('abuse')) printAbuse(await benchAbuse(broker.url));
  // Starts its own local broker and TLS "cloud" broker, so the outage touches nothing else.
  if (want('bridge')) printBridgeOutage(await benchBridgeOutage());
  if (want('history')) printHistory(await benchHistory(broker.url));
  if (only.includes('dashboard')) await benchDashboard(broker.url);
} finally {
  await broker.stop();
}
