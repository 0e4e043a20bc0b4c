/**
 * Event-loop stalls under hostile commands: the longest the agent's event loop was blocked while
 * it took the largest text a display accepts (just under the 64 KiB payload limit), and while it
 * refused 1 MB payloads, next to the same figure for plain ON/OFF commands in the same run. The
 * agent runs in this process so its event loop is the one measured.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { connect } from 'mqtt';
import { startAgent } from '../test/helpers/agent.js';
import { fmt } from './lib.js';

export interface AbuseResult {
  /** Longest event-loop delay in ms per kind of command. */
  maxStallMs: Record<'plain commands' | '60 KB display text' | '1 MB refused', number>;
}

export async function benchAbuse(url: string, n = 20): Promise<AbuseResult> {
  const { agent } = await startAgent({
    url,
    node: 'bench-abuse',
    schemes: { 'a.yaml': 'outputs:\n  - { id: oled, driver: ssd1306, address: 0x3c }\n  - { id: lcd, driver: hd44780, address: 0x27 }\n  - { id: relay, driver: gpio-out, pin: 6 }\n' },
  });
  const c = connect(url, { clientId: 'bench-abuse' });
  await new Promise<void>((r) => c.once('connect', () => r()));
  const states: string[] = [];
  c.on('message', (topic) => states.push(topic));
  await c.subscribeAsync('han/bench-abuse/+', { qos: 1 });
  const settle = async (count: number) => {
    for (let waited = 0; states.length < count && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  };
  const measure = async (send: (i: number) => Promise<void>, expected: number) => {
    states.length = 0;
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    for (let i = 0; i < n; i++) await send(i);
    await settle(expected);
    await new Promise((r) => setTimeout(r, 200));
    h.disable();
    return h.max / 1e6;
  };
  try {
    const maxStallMs = {
      'plain commands': await measure((i) => c.publishAsync('han/bench-abuse/relay/set', i % 2 ? 'ON' : 'OFF', { qos: 1 }).then(() => {}), n),
      '60 KB display text': await measure((i) => c.publishAsync(`han/bench-abuse/${i % 2 ? 'oled' : 'lcd'}/set`, JSON.stringify({ text: `${i} ${'w'.repeat(60_000)}` }), { qos: 1 }).then(() => {}), n),
      '1 MB refused': await measure((i) => c.publishAsync(`han/bench-abuse/${i % 2 ? 'oled' : 'lcd'}/set`, Buffer.alloc(1024 * 1024, 'x'), { qos: 1 }).then(() => {}), n),
    };
    return { maxStallMs };
  } finally {
    await c.endAsync(true);
    await agent.stop();
  }
}

export function printAbuse(r: AbuseResult): void {
  console.log('\nEvent-loop stalls under hostile commands (longest, ms; the goal is under about 50)');
  for (const [kind, ms] of Object.entries(r.maxStallMs)) console.log(`  ${kind.padEnd(26)}${fmt(ms).padStart(8)}`);
}
