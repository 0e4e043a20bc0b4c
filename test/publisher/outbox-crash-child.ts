/**
 * Run by outbox-crash.test.ts as its own process: enqueues without pause, prints each id once its
 * enqueue has resolved, and acks every third id, until the parent kills it with SIGKILL.
 * stdout is a pipe, which Node writes synchronously on Linux, so a printed id has left this process.
 */
import { Outbox } from '../../src/publisher/outbox.js';
import { silentLogger } from '../../src/core/log.js';
import { reading } from './outbox-helpers.js';

const outbox = Outbox.open({ file: process.argv[2], log: silentLogger, commitWindowMs: 20 });
let n = 0;

async function producer(): Promise<never> {
  for (;;) {
    const m = await outbox.enqueue(reading(n++, `{"v":${n},"pad":"${'x'.repeat(100)}"}`));
    process.stdout.write(`${m.id}\n`);
    if (m.id % 3 === 0) outbox.ack([m.id]);
  }
}

// Many producers keep a few hundred enqueues in every commit, as a busy agent would.
for (let i = 0; i < 300; i++) void producer();
