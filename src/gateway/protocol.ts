/**
 * The line protocol (README "Gateway for micro devices"): one message a line,
 * `START | COMMAND=CMD | KEY=VALUE | … | END`. Pure functions; {@link parseLine} never throws, so
 * whatever a device sends, the connection answers and carries on.
 */

/** The longest line a device may send, terminator excluded; a longer one gets BAD and is dropped. */
export const MAX_LINE_BYTES = 4096;

/** Variable names and device IDs. */
export const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** What a device may send, each with the keys it takes (in this order). */
export const deviceCommands = {
  'HELLO!': [],
  SUB: ['VARIABLE'],
  UNSUB: ['VARIABLE'],
  UNSUBALL: [],
  PUB: ['VARIABLE', 'VALUE'],
  DEL: ['VARIABLE'],
  MSG: ['DEVICE', 'VALUE'],
  ID: ['ID'],
  CLOSE: [],
} as const satisfies Record<string, readonly string[]>;

export type DeviceCommandName = keyof typeof deviceCommands;

/** A device's message, checked: the command with exactly the keys it takes. */
export type DeviceCommand =
  | { command: 'HELLO!' | 'UNSUBALL' | 'CLOSE' }
  | { command: 'SUB' | 'UNSUB' | 'DEL'; variable: string }
  | { command: 'PUB'; variable: string; value: string }
  | { command: 'MSG'; device: string; value: string }
  | { command: 'ID'; id: string };

export type Parsed = { ok: true; message: DeviceCommand } | { ok: false; reason: string };

/** Keys are upper case. */
const KEY = /^[A-Z][A-Z0-9_]*$/;
/** What the gateway sends; a device sending one of these gets told so. */
const GATEWAY_ONLY = new Set(['HELLO?', 'OK', 'BAD']);

const bad = (reason: string): Parsed => ({ ok: false, reason });

/** Spaces and tabs: the only padding allowed around `|` and `=`. */
const trim = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '');

/** Splits `KEY=VALUE` into its trimmed halves, or undefined without `=`. */
function keyValue(field: string): [string, string] | undefined {
  const eq = field.indexOf('=');
  if (eq < 0) return undefined;
  return [trim(field.slice(0, eq)), trim(field.slice(eq + 1))];
}

/** The first 40 characters of `s`, for a BAD reason (never the whole of a 4 KiB line). */
function shown(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 40 ? `${printable.slice(0, 40)}…` : printable);
}

/**
 * Parses one line (its LF, and a CR before it, already taken off). Returns the command, or the
 * reason to send back with BAD. Never throws.
 */
export function parseLine(line: string): Parsed {
  const text = trim(line.endsWith('\r') ? line.slice(0, -1) : line);
  if (text === '') return bad('empty line; expected START | COMMAND=… | END');
  if (!/^START[ \t]*\|/.test(text)) return bad(`expected the line to begin with "START |", got ${shown(text)}`);
  if (!/\|[ \t]*END$/.test(text)) return bad('expected the line to end with "| END"');
  const inner = text.slice(text.indexOf('|') + 1, text.lastIndexOf('|'));
  if (trim(inner) === '') return bad('expected COMMAND=… after START');

  const fields = new Map<string, string>();
  const order: string[] = [];
  let rest = inner;
  while (rest !== '') {
    const bar = rest.indexOf('|');
    const field = bar < 0 ? rest : rest.slice(0, bar);
    const kv = keyValue(field);
    if (!kv) return bad(`expected KEY=VALUE, got ${shown(trim(field))}`);
    const [key] = kv;
    if (!KEY.test(key)) return bad(`expected an upper-case key, got ${shown(key)}`);
    if (fields.has(key)) return bad(`${key} given twice`);
    order.push(key);
    if (key === 'VALUE') {
      // VALUE is the last field and runs to the final "| END", so it may hold '|'.
      fields.set(key, trim(rest.slice(rest.indexOf('=') + 1)));
      break;
    }
    fields.set(key, kv[1]);
    rest = bar < 0 ? '' : rest.slice(bar + 1);
  }

  if (order[0] !== 'COMMAND') return bad(`expected COMMAND=… as the first field, got ${order[0]}`);
  const command = fields.get('COMMAND')!;
  if (GATEWAY_ONLY.has(command)) return bad(`${command} is sent by the gateway, not by a device`);
  if (!Object.hasOwn(deviceCommands, command)) {
    return bad(`unknown command ${shown(command)}; expected one of ${Object.keys(deviceCommands).join(', ')}`);
  }
  const name = command as DeviceCommandName;
  const wanted: readonly string[] = deviceCommands[name];
  const given = order.slice(1);
  for (const key of given) if (!wanted.includes(key)) return bad(`${name} takes ${wanted.length ? wanted.join(' and ') : 'no other keys'}, not ${key}`);
  for (const key of wanted) if (!fields.has(key)) return bad(`${name} needs ${key}=…`);
  for (const key of ['VARIABLE', 'DEVICE', 'ID']) {
    const v = fields.get(key);
    if (v !== undefined && !NAME.test(v)) return bad(`${key} must be 1 to 64 of A-Z a-z 0-9 _ . -, got ${shown(v)}`);
  }
  const value = fields.get('VALUE') ?? '';
  switch (name) {
    case 'HELLO!':
    case 'UNSUBALL':
    case 'CLOSE':
      return { ok: true, message: { command: name } };
    case 'SUB':
    case 'UNSUB':
    case 'DEL':
      return { ok: true, message: { command: name, variable: fields.get('VARIABLE')! } };
    case 'PUB':
      return { ok: true, message: { command: name, variable: fields.get('VARIABLE')!, value } };
    case 'MSG':
      return { ok: true, message: { command: name, device: fields.get('DEVICE')!, value } };
    case 'ID':
      return { ok: true, message: { command: name, id: fields.get('ID')! } };
  }
}

/** What the gateway sends. */
export type GatewayMessage =
  | { command: 'HELLO?' | 'OK' | 'CLOSE' }
  | { command: 'BAD'; reason?: string }
  | { command: 'SUB'; variable: string; value: string }
  | { command: 'MSG'; device: string; value: string };

/** No line breaks inside a field: they would end the line early. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

/** One line, LF included. A BAD reason goes last (as REASON), so it may hold '|' too. */
export function formatLine(m: GatewayMessage): string {
  switch (m.command) {
    case 'HELLO?':
    case 'OK':
    case 'CLOSE':
      return `START | COMMAND=${m.command} | END\n`;
    case 'BAD':
      return m.reason === undefined ? 'START | COMMAND=BAD | END\n' : `START | COMMAND=BAD | REASON=${oneLine(m.reason)} | END\n`;
    case 'SUB':
      return `START | COMMAND=SUB | VARIABLE=${m.variable} | VALUE=${oneLine(m.value)} | END\n`;
    case 'MSG':
      return `START | COMMAND=MSG | DEVICE=${m.device} | VALUE=${oneLine(m.value)} | END\n`;
  }
}

/** Reads a line the gateway sent (for clients and tests): command plus fields, or undefined. */
export function parseGatewayLine(line: string): { command: string; fields: Record<string, string> } | undefined {
  const text = trim(line.endsWith('\r') ? line.slice(0, -1) : line);
  const m = /^START[ \t]*\|(.*)\|[ \t]*END$/.exec(text);
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  let rest = m[1]!;
  while (rest !== '') {
    const bar = rest.indexOf('|');
    const kv = keyValue(bar < 0 ? rest : rest.slice(0, bar));
    if (!kv) return undefined;
    if (kv[0] === 'VALUE' || kv[0] === 'REASON') {
      fields[kv[0]] = trim(rest.slice(rest.indexOf('=') + 1));
      break;
    }
    fields[kv[0]] = kv[1];
    rest = bar < 0 ? '' : rest.slice(bar + 1);
  }
  const { COMMAND: command, ...others } = fields;
  return command === undefined ? undefined : { command, fields: others };
}
