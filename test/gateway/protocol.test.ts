import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLine, parseGatewayLine, parseLine, type Parsed } from '../../src/gateway/protocol.js';

const ok = (message: object): Parsed => ({ ok: true, message } as Parsed);

test('parseLine: table of well-formed lines', () => {
  const table: [string, Parsed][] = [
    ['START | COMMAND=HELLO! | END', ok({ command: 'HELLO!' })],
    ['START|COMMAND=HELLO!|END', ok({ command: 'HELLO!' })],
    ['  START  |  COMMAND = HELLO!  |  END  ', ok({ command: 'HELLO!' })],
    ['START | COMMAND=HELLO! | END\r', ok({ command: 'HELLO!' })],
    ['START\t|\tCOMMAND=CLOSE\t|\tEND', ok({ command: 'CLOSE' })],
    ['START | COMMAND=UNSUBALL | END', ok({ command: 'UNSUBALL' })],
    ['START | COMMAND=SUB | VARIABLE=kitchen_temp | END', ok({ command: 'SUB', variable: 'kitchen_temp' })],
    ['START | COMMAND=UNSUB | VARIABLE=a.b-c_D9 | END', ok({ command: 'UNSUB', variable: 'a.b-c_D9' })],
    ['START | COMMAND=DEL | VARIABLE=x | END', ok({ command: 'DEL', variable: 'x' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE=21.5 | END', ok({ command: 'PUB', variable: 't', value: '21.5' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE= | END', ok({ command: 'PUB', variable: 't', value: '' })],
    // VALUE runs to the final "| END": it may hold '|', '=', and even "| END" itself
    ['START | COMMAND=PUB | VARIABLE=t | VALUE=a | b | END', ok({ command: 'PUB', variable: 't', value: 'a | b' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE=k=v|x=y | END', ok({ command: 'PUB', variable: 't', value: 'k=v|x=y' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE=x | END | END', ok({ command: 'PUB', variable: 't', value: 'x | END' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE={"a":[1,2]} | END', ok({ command: 'PUB', variable: 't', value: '{"a":[1,2]}' })],
    ['START | COMMAND=PUB | VARIABLE=t | VALUE=héllo ✓ | END', ok({ command: 'PUB', variable: 't', value: 'héllo ✓' })],
    ['START | COMMAND=MSG | DEVICE=porch-arduino | VALUE=ring | END', ok({ command: 'MSG', device: 'porch-arduino', value: 'ring' })],
    ['START | COMMAND=ID | ID=garage-esp | END', ok({ command: 'ID', id: 'garage-esp' })],
    [`START | COMMAND=ID | ID=${'x'.repeat(64)} | END`, ok({ command: 'ID', id: 'x'.repeat(64) })],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseLine(line), expected, line);
});

test('parseLine: table of malformed lines, each with its reason', () => {
  const table: [string, RegExp][] = [
    ['', /empty line/],
    ['   ', /empty line/],
    ['HELLO!', /begin with "START \|"/],
    ['start | COMMAND=HELLO! | END', /begin with/],
    ['START | COMMAND=HELLO!', /end with "\| END"/],
    ['START | COMMAND=HELLO! | end', /end with/],
    ['START | END', /COMMAND=… after START/],
    ['START|END', /COMMAND=… after START/],
    ['START | | END', /COMMAND=… after START/],
    ['START | COMMAND | END', /KEY=VALUE/],
    ['START | command=HELLO! | END', /upper-case key/],
    ['START | =HELLO! | END', /upper-case key/],
    ['START | VARIABLE=x | COMMAND=SUB | END', /COMMAND=… as the first field/],
    ['START | COMMAND=SUB | VARIABLE=x | VARIABLE=y | END', /VARIABLE given twice/],
    ['START | COMMAND=SUB | VARIABLE=x | | END', /KEY=VALUE/],
    ['START | COMMAND=JUMP | END', /unknown command "JUMP"/],
    ['START | COMMAND=hello! | END', /unknown command/],
    ['START | COMMAND= | END', /unknown command/],
    ['START | COMMAND=OK | END', /sent by the gateway/],
    ['START | COMMAND=BAD | END', /sent by the gateway/],
    ['START | COMMAND=HELLO? | END', /sent by the gateway/],
    ['START | COMMAND=HELLO! | VALUE=x | END', /HELLO! takes no other keys, not VALUE/],
    ['START | COMMAND=SUB | END', /SUB needs VARIABLE/],
    ['START | COMMAND=SUB | VARIABLE=x | VALUE=1 | END', /SUB takes VARIABLE, not VALUE/],
    ['START | COMMAND=PUB | VARIABLE=x | END', /PUB needs VALUE/],
    ['START | COMMAND=PUB | VALUE=1 | VARIABLE=x | END', /PUB needs VARIABLE/],
    ['START | COMMAND=MSG | VALUE=hi | END', /MSG needs DEVICE/],
    ['START | COMMAND=ID | END', /ID needs ID/],
    ['START | COMMAND=ID | ID= | END', /ID must be 1 to 64/],
    ['START | COMMAND=ID | ID=bad/id | END', /ID must be 1 to 64/],
    [`START | COMMAND=ID | ID=${'x'.repeat(65)} | END`, /ID must be 1 to 64/],
    ['START | COMMAND=SUB | VARIABLE=a b | END', /VARIABLE must be/],
    ['START | COMMAND=SUB | VARIABLE=# | END', /VARIABLE must be/],
    ['START | COMMAND=MSG | DEVICE=+ | VALUE=x | END', /DEVICE must be/],
    ['START | COMMAND=PUB | VARIABLE=x | TTL=5 | VALUE=1 | END', /PUB takes VARIABLE and VALUE, not TTL/],
    ['\u0000\u0001\u00ff', /begin with/],
  ];
  for (const [line, reason] of table) {
    const parsed = parseLine(line);
    assert.equal(parsed.ok, false, line);
    assert.match((parsed as { reason: string }).reason, reason, line);
  }
});

test('a BAD reason never repeats more than 40 characters of what the device sent', () => {
  const parsed = parseLine(`START | COMMAND=${'Z'.repeat(3000)} | END`);
  assert.equal(parsed.ok, false);
  assert.ok((parsed as { reason: string }).reason.length < 200);
});

test('formatLine writes what parseGatewayLine reads back, one line each', () => {
  const table = [
    { command: 'HELLO?' },
    { command: 'OK' },
    { command: 'CLOSE' },
    { command: 'BAD' },
    { command: 'BAD', reason: 'send ID first | then = more' },
    { command: 'SUB', variable: 'porch', value: 'a | b' },
    { command: 'SUB', variable: 'porch', value: '' },
    { command: 'MSG', device: 'dev-a', value: 'hi' },
  ] as const;
  for (const m of table) {
    const line = formatLine(m);
    assert.ok(line.endsWith('\n') && line.indexOf('\n') === line.length - 1, line);
    const back = parseGatewayLine(line.slice(0, -1))!;
    assert.equal(back.command, m.command);
    if ('reason' in m) assert.equal(back.fields.REASON, m.reason);
    if ('value' in m) assert.equal(back.fields.VALUE, m.value);
  }
  assert.equal(formatLine({ command: 'SUB', variable: 'x', value: 'two\nlines\r\n' }), 'START | COMMAND=SUB | VARIABLE=x | VALUE=two lines  | END\n');
});

test('a device line written like the gateway writes them parses back', () => {
  assert.deepEqual(parseLine(formatLine({ command: 'MSG', device: 'd', value: 'x | y' }).trimEnd()), ok({ command: 'MSG', device: 'd', value: 'x | y' }));
});

test('parseLine never throws: 200,000 random and spliced lines each come back as a command or a reason', () => {
  let seed = 0x1234abcd;
  const r = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const pieces = ['START', 'END', '|', '=', ' ', 'COMMAND=HELLO!', 'COMMAND=PUB', 'COMMAND=SUB', 'VALUE', 'VARIABLE=x', 'VALUE=1', 'DEVICE', 'ID', ' | ', 'x', '\r', '\u0000', '\ufffd', '🙂'];
  let commands = 0;
  for (let i = 0; i < 200_000; i++) {
    const line =
      i % 2 === 0
        ? `START|${Array.from({ length: Math.floor(r() * 6) }, () => pieces[Math.floor(r() * pieces.length)]).join('')}|END`
        : String.fromCharCode(...Array.from({ length: Math.floor(r() * 60) }, () => Math.floor(r() * 0xffff)));
    const parsed = parseLine(line);
    if (parsed.ok) commands++;
    else assert.ok(typeof parsed.reason === 'string' && parsed.reason.length > 0, JSON.stringify(line));
  }
  assert.ok(commands > 0, 'some random lines are well-formed commands');
});
