import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FilterChain, filterList, roundTo, fitLine } from '../../src/filters/index.js';
import type { Reading } from '../../src/core/driver.js';

const parse = (filters: unknown[]) => filterList.parse(filters);

/** A case: the filters as written in YAML, then [time in s, reading in, reading out or null]. */
type Case = { name: string; filters: unknown[]; steps: [number, Reading, Reading | null][] };

const CASES: Case[] = [
  {
    name: 'offset adds to every number field and leaves text alone',
    filters: [{ offset: -0.4 }],
    steps: [[0, { temperature: 21.4, humidity: 40, state: 'ON' }, { temperature: 21, humidity: 39.6, state: 'ON' }]],
  },
  {
    name: 'offset on one field',
    filters: [{ offset: 10, field: 'humidity' }],
    steps: [[0, { temperature: 20, humidity: 40 }, { temperature: 20, humidity: 50 }]],
  },
  {
    name: 'multiply',
    filters: [{ multiply: 1.8 }, { offset: 32 }],
    steps: [[0, { temperature: 100 }, { temperature: 212 }]],
  },
  {
    name: 'calibrate through two points is the line through them',
    filters: [{ calibrate: [[0.8, 100], [2.6, 0]], field: 'voltage' }, { round: 2 }],
    steps: [[0, { raw: 512, voltage: 1.7 }, { raw: 512, voltage: 50 }], [1, { raw: 0, voltage: 0.8 }, { raw: 0, voltage: 100 }]],
  },
  {
    name: 'calibrate through three points is the least-squares line',
    filters: [{ calibrate: [[0, 0], [1, 1], [2, 3]] }],
    // slope 1.5, intercept -1/6
    steps: [[0, { v: 2 }, { v: 3 - 1 / 6 }]],
  },
  {
    name: 'round to decimals, half away from zero',
    filters: [{ round: 1 }],
    steps: [[0, { a: 21.45, b: -21.45, c: 1.005, d: 3 }, { a: 21.5, b: -21.5, c: 1, d: 3 }]],
  },
  {
    name: 'round to whole numbers',
    filters: [{ round: 0 }],
    steps: [[0, { a: 2.5, b: 1013.25 }, { a: 3, b: 1013 }]],
  },
  {
    name: 'clamp, with an open end',
    filters: [{ clamp: [0, 100] }, { clamp: [null, 50], field: 'b' }],
    steps: [[0, { a: -5, b: 80 }, { a: 0, b: 50 }], [1, { a: 150, b: 20 }, { a: 100, b: 20 }]],
  },
  {
    name: 'average of the last n, starting with what there is',
    filters: [{ average: 3 }],
    steps: [[0, { t: 3 }, { t: 3 }], [1, { t: 6 }, { t: 4.5 }], [2, { t: 9 }, { t: 6 }], [3, { t: 12 }, { t: 9 }]],
  },
  {
    name: 'median of the last n rejects a spike',
    filters: [{ median: 3 }],
    steps: [[0, { t: 20 }, { t: 20 }], [1, { t: 22 }, { t: 21 }], [2, { t: 99 }, { t: 22 }], [3, { t: 21 }, { t: 22 }], [4, { t: 23 }, { t: 23 }]],
  },
  {
    name: 'delta: only a change of at least x since the last published value',
    filters: [{ delta: 0.5 }],
    steps: [
      [0, { t: 20 }, { t: 20 }],
      [1, { t: 20.3 }, null],
      [2, { t: 20.4 }, null],
      // Measured against the last published 20, not the last seen 20.4: slow drifts still get out.
      [3, { t: 20.5 }, { t: 20.5 }],
      [4, { t: 20.1 }, null],
      [5, { t: 19.9 }, { t: 19.9 }],
    ],
  },
  {
    name: 'delta: any field moving is enough',
    filters: [{ delta: 1 }],
    steps: [[0, { t: 20, h: 40 }, { t: 20, h: 40 }], [1, { t: 20.2, h: 41 }, { t: 20.2, h: 41 }], [2, { t: 20.4, h: 41.5 }, null]],
  },
  {
    name: 'delta 0 publishes changes only, states included',
    filters: [{ delta: 0 }],
    steps: [[0, { state: 'OFF' }, { state: 'OFF' }], [1, { state: 'OFF' }, null], [2, { state: 'ON' }, { state: 'ON' }], [3, { state: 'ON' }, null]],
  },
  {
    name: 'delta on one field ignores the others',
    filters: [{ delta: 1, field: 't' }],
    steps: [[0, { t: 20, h: 40 }, { t: 20, h: 40 }], [1, { t: 20.5, h: 90 }, null]],
  },
  {
    name: 'throttle: at most once per period',
    filters: [{ throttle: '10s' }],
    steps: [[0, { t: 1 }, { t: 1 }], [5, { t: 2 }, null], [9.999, { t: 3 }, null], [10, { t: 4 }, { t: 4 }], [15, { t: 5 }, null], [21, { t: 6 }, { t: 6 }]],
  },
  {
    name: 'throttle does not stall when the clock jumps back',
    filters: [{ throttle: '1h' }],
    steps: [[1000, { t: 1 }, { t: 1 }], [10, { t: 2 }, { t: 2 }], [20, { t: 3 }, null]],
  },
  {
    name: 'heartbeat lets a reading past delta once nothing went out for the period',
    filters: [{ delta: 1 }, { heartbeat: '60s' }],
    steps: [[0, { t: 20 }, { t: 20 }], [30, { t: 20.1 }, null], [59, { t: 20.1 }, null], [60, { t: 20.2 }, { t: 20.2 }], [90, { t: 20.3 }, null], [120, { t: 20.3 }, { t: 20.3 }]],
  },
  {
    name: 'heartbeat overrides throttle too, and the period restarts at each publish',
    filters: [{ heartbeat: '5s' }, { throttle: '60s' }],
    steps: [[0, { t: 1 }, { t: 1 }], [3, { t: 2 }, null], [5, { t: 3 }, { t: 3 }], [8, { t: 4 }, null], [10, { t: 5 }, { t: 5 }]],
  },
  {
    name: 'a heartbeat publish moves the delta baseline',
    filters: [{ delta: 1 }, { heartbeat: '10s' }],
    steps: [[0, { t: 20 }, { t: 20 }], [10, { t: 20.8 }, { t: 20.8 }], [11, { t: 21.5 }, null], [12, { t: 21.8 }, { t: 21.8 }]],
  },
  {
    name: 'invert swaps ON and OFF, and true and false',
    filters: [{ invert: true }],
    steps: [[0, { state: 'ON', raw: 1 }, { state: 'OFF', raw: 1 }], [1, { state: 'OFF', flag: true }, { state: 'ON', flag: false }]],
  },
  {
    name: 'invert: false does nothing',
    filters: [{ invert: false }],
    steps: [[0, { state: 'ON' }, { state: 'ON' }]],
  },
  {
    name: 'debounce: a change must be seen for the whole period before it counts',
    filters: [{ debounce: '100ms' }],
    steps: [
      [0, { state: 'OFF' }, { state: 'OFF' }],
      [0.05, { state: 'ON' }, { state: 'OFF' }],
      [0.1, { state: 'OFF' }, { state: 'OFF' }],
      [0.12, { state: 'ON' }, { state: 'OFF' }],
      [0.2, { state: 'ON' }, { state: 'OFF' }],
      [0.22, { state: 'ON' }, { state: 'ON' }],
      [0.3, { state: 'OFF' }, { state: 'ON' }],
      [0.4, { state: 'OFF' }, { state: 'OFF' }],
    ],
  },
  {
    name: 'debounce 0 passes every change',
    filters: [{ debounce: 0 }],
    steps: [[0, { state: 'OFF' }, { state: 'OFF' }], [0.001, { state: 'ON' }, { state: 'ON' }]],
  },
  {
    name: 'debounce then invert then delta: one message per real change',
    filters: [{ debounce: '1s' }, { invert: true }, { delta: 0 }],
    steps: [
      [0, { state: 'ON' }, { state: 'OFF' }],
      [0.5, { state: 'OFF' }, null],
      [1, { state: 'ON' }, null],
      [2, { state: 'OFF' }, null],
      [3, { state: 'OFF' }, { state: 'ON' }],
      [4, { state: 'OFF' }, null],
    ],
  },
  {
    name: 'the order matters: round before delta hides jitter',
    filters: [{ round: 0 }, { delta: 1 }],
    steps: [[0, { t: 20.4 }, { t: 20 }], [1, { t: 20.6 }, { t: 21 }], [2, { t: 21.4 }, null]],
  },
  {
    name: 'a dropped reading does not reach the stages after the gate',
    filters: [{ throttle: '10s' }, { average: 2 }],
    steps: [[0, { t: 10 }, { t: 10 }], [5, { t: 1000 }, null], [10, { t: 20 }, { t: 15 }]],
  },
  {
    name: 'the ESPHome-style climate chain',
    filters: [{ offset: -0.4 }, { round: 1 }, { delta: 0.2 }, { heartbeat: '5m' }],
    steps: [
      [0, { temperature: 21.43, humidity: 40.04 }, { temperature: 21, humidity: 39.6 }],
      [30, { temperature: 21.5, humidity: 40.1 }, null],
      [60, { temperature: 21.65, humidity: 40.1 }, { temperature: 21.3, humidity: 39.7 }],
      [360, { temperature: 21.65, humidity: 40.1 }, { temperature: 21.3, humidity: 39.7 }],
    ],
  },
  {
    name: 'null and missing fields pass untouched',
    filters: [{ offset: 1 }, { field: 'h', multiply: 2 }],
    steps: [[0, { t: null, x: 'text' }, { t: null, x: 'text' }]],
  },
];

/** Floating-point sums (offset -0.4 on 21.4) compared to 9 decimals. */
const approx = (r: Reading | null) => r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(9)) : v]));

for (const c of CASES) {
  test(`filters: ${c.name}`, () => {
    const chain = new FilterChain(parse(c.filters));
    c.steps.forEach(([s, input, expected], i) => {
      const copy = structuredClone(input);
      const out = chain.apply(input, s * 1000);
      assert.deepEqual(approx(out), approx(expected), `step ${i} at ${s}s`);
      assert.deepEqual(input, copy, 'the input reading is not modified');
    });
  });
}

test('FilterChain takes the time from a Date, or from the injected clock', () => {
  let now = 0;
  const chain = new FilterChain(parse([{ throttle: '1s' }]), { now: () => now });
  assert.deepEqual(chain.apply({ t: 1 }), { t: 1 });
  now = 500;
  assert.equal(chain.apply({ t: 2 }), null);
  now = 1000;
  assert.deepEqual(chain.apply({ t: 3 }), { t: 3 });
  assert.equal(chain.apply({ t: 4 }, new Date(1500)), null);
  assert.deepEqual(chain.apply({ t: 5 }, new Date(2000)), { t: 5 });
});

test('FilterChain with no filters passes everything; reset forgets windows and baselines', () => {
  assert.deepEqual(new FilterChain([]).apply({ t: 1 }, 0), { t: 1 });
  const chain = new FilterChain(parse([{ average: 2 }, { delta: 5 }]));
  assert.deepEqual(chain.apply({ t: 10 }, 0), { t: 10 });
  assert.equal(chain.apply({ t: 12 }, 1), null);
  chain.reset();
  assert.deepEqual(chain.apply({ t: 12 }, 2), { t: 12 });
});

test('wakeAt tells an event-driven runtime when a pending debounce matures', () => {
  const chain = new FilterChain(parse([{ debounce: '50ms' }]));
  assert.equal(chain.wakeAt(), undefined);
  chain.apply({ state: 'OFF' }, 1000);
  assert.equal(chain.wakeAt(), undefined);
  chain.apply({ state: 'ON' }, 1010);
  assert.equal(chain.wakeAt(), 1060);
  assert.deepEqual(chain.apply({ state: 'ON' }, 1060), { state: 'ON' });
  assert.equal(chain.wakeAt(), undefined);
});

test('roundTo and fitLine', () => {
  const rounding: [number, number, number][] = [[1.005, 2, 1.01], [2.675, 2, 2.68], [-0.5, 0, -1], [0.0001, 3, 0], [1234.5678, 1, 1234.6]];
  for (const [v, d, expected] of rounding) assert.equal(roundTo(v, d), expected, `${v} to ${d}`);
  assert.deepEqual(fitLine([[0, 32], [100, 212]]), { slope: 1.8, intercept: 32 });
});

test('a forced reading ($request/read) passes the gates but is still converted', () => {
  const chain = new FilterChain(parse([{ offset: -0.4, field: 't' }, { round: 1, field: 't' }, { throttle: '1h' }, { delta: 5, field: 't' }]));
  assert.deepEqual(chain.apply({ t: 21.26 }, 0), { t: 20.9 });
  // Within the throttle and below the delta: dropped, unless someone asked for it.
  assert.equal(chain.apply({ t: 21.36 }, 1_000), null);
  assert.deepEqual(chain.apply({ t: 21.36 }, 2_000, { force: true }), { t: 21 });
  // The forced one counts as published: the throttle runs from it.
  assert.equal(chain.apply({ t: 40 }, 2_000 + 3_599_000), null);
  assert.deepEqual(chain.apply({ t: 40 }, 2_000 + 3_600_000), { t: 39.6 });
});
