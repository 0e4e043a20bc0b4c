/**
 * Outbox storage throughput on this machine's disk: durable enqueues per second with group commit
 * (every one on disk before it resolves), then peek + ack per second for draining them.
 * Run alone with `node --import tsx bench/outbox.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Outbox, type OutboxMessage } from '../src/publisher/outbox.js';
import { silentLogger } from '../src/core/log.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Figures from one run; `paced*` come from a steady 20,000 readings/s for 3 s, as a busy node would offer. */
export interface OutboxBench {
  enqueuePerSec: number;
  ackPerSec: number;
  commits: number;
  pacedP99Ms: number;
  pacedCommitsPerSec: number;
}

export async function benchOutbox(n = 200_000): Promise<OutboxBench> {
  const dir = mkdtempSync(join(tmpdir(), 'hanode-bench-outbox-'));
  const outbox = Outbox.open({ file: join(dir, 'outbox.sqlite'), log: silentLogger });
  try {
    // A producer that yields to the event loop every 500 readings, as sensor callbacks would.
    const t0 = performance.now();
    const done: Promise<OutboxMessage>[] = [];
    for (let i = 0; i < n; i++) {
      const payload = Buffer.from(`{"temperature":${(20 + (i % 100) / 10).toFixed(1)},"humidity":45.2,"ts":"2024-05-01T12:00:00.000Z"}`);
      done.push(outbox.enqueue({ topic: `hanode/bench/sensor${i % 8}/state`, payload, qos: 1, retain: true, ts: Date.now() }));
      if (i % 500 === 499) await tick();
    }
    await Promise.all(done);
    const enqueueSec = (performance.now() - t0) / 1000;
    const commits = outbox.stats().commits;

    // Drain as the scheduler does: peek a page, ack each id on its own as PUBACKs would arrive.
    const t1 = performance.now();
    let after = 0;
    for (;;) {
      const page = outbox.peek(1_000, after);
      if (!page.length) break;
      for (const m of page) outbox.ack([m.id]);
      after = page[page.length - 1].id;
      await tick();
    }
    outbox.close(); // the last deletes reach the disk here, so they are inside the measurement
    const ackSec = (performance.now() - t1) / 1000;
    const paced = await pacedRun(join(dir, 'paced.sqlite'), 20_000, 3_000);
    return { enqueuePerSec: Math.round(n / enqueueSec), ackPerSec: Math.round(n / ackSec), commits, ...paced };
  } finally {
    outbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Offers `rate` enqueues/s for `ms`, 1 ms at a time; reports the p99 wait for durability and commits/s. */
async function pacedRun(file: string, rate: number, ms: number): Promise<{ pacedP99Ms: number; pacedCommitsPerSec: number }> {
  const outbox = Outbox.open({ file, log: silentLogger });
  const waits: number[] = [];
  const done: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; sent < due; sent++) {
      const at = performance.now();
      const payload = Buffer.from(`{"temperature":21.5,"n":${sent}}`);
      done.push(outbox.enqueue({ topic: 'hanode/bench/paced/state', payload, qos: 1, retain: true, ts: Date.now() }).then(() => void waits.push(performance.now() - at)));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(done);
  const commits = outbox.stats().commits;
  outbox.close();
  waits.sort((a, b) => a - b);
  return { pacedP99Ms: Math.round(waits[Math.floor(waits.length * 0.99)] * 10) / 10, pacedCommitsPerSec: Math.round(commits / (ms / 1000)) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await benchOutbox());
