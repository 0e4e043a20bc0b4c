// Child process for the kill -9 test in store.test.ts: makes overrides, flushes, says so, then
// keeps the store writing as fast as it can until the parent kills it mid-write.
import { silentLogger } from '../../src/core/log.js';
import { StateStore } from '../../src/state/index.js';

const file = process.argv[2]!;
const store = await StateStore.open({ file, log: silentLogger, flushMs: 1, overrideFlushMs: 1 });
store.setInterval('kitchen-climate', 5_000);
store.setEnabled('rule', 'fan-when-hot', false);
store.setState('kitchen-fan', { state: 'ON' }, new Date('2025-01-01T00:00:00.000Z'));
await store.flush();
process.stdout.write('flushed\n');
let n = 0;
setInterval(() => store.setState('counter', { n: ++n }), 1);
