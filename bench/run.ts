/** `npm run bench`: every figure next to a baseline measured in the same run on the same broker. */
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { benchControlLatency, printControlLatency } from './control-latency.js';
import { benchMemory, printMemory } from './memory.js';
import { benchDurable, printDurable } from './durable.js';
import { benchRules, printRules } from './rules.js';
import { benchBridgeOutage, printBridgeOutage } from './bridge.js';
import { benchGateway, printGateway } from './gateway.js';
import { benchAbuse, printAbuse } from './abuse.js';
import { benchHistory, printHistory } from './history.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

const broker = await Mosquitto.start();
console.log(`hanode bench on a private Mosquitto at ${broker.url} (node ${process.version}, ${(await import('node:os')).cpus().length} cores)`);
try {
  if (want('latency')) printControlLatency(await benchControlLatency(broker.url));
  if (want('memory')) printMemory(await benchMemory(broker.url));
  if (want('durable')) printDurable(await benchDurable(broker.url));
  if (want('rules')) printRules(await benchRules(broker.url));
  if (want('gateway')) printGateway(await benchGateway(broker.url));
  if (want('abuse')) printAbuse(await benchAbuse(broker.url));
  // Starts its own local broker and TLS "cloud" broker, so the outage touches nothing else.
  if (want('bridge')) printBridgeOutage(await benchBridgeOutage());
  if (want('history')) printHistory(await benchHistory(broker.url));
} finally {
  await broker.stop();
}
