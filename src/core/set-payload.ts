/**
 * Parses a `…/set` payload (also a rule's `set` value) into a command object for an output driver's `command` schema:
 * `ON`/`OFF`/`TOGGLE` → `{state}`, a number → `{value}`, a JSON object as it is, other text → `{text}`.
 */
export type ParsedSetPayload = { ok: true; command: Record<string, unknown> } | { ok: false; error: string };

const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export function parseSetPayload(payload: Buffer | string): ParsedSetPayload {
  const text = payload.toString('utf8').trim();
  if (text === '') return { ok: false, error: 'empty payload; expected ON, OFF, TOGGLE, a number, text or a JSON object' };
  if (text.startsWith('{') || text.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { ok: false, error: 'expected a JSON object such as {"state":"ON"}' };
    }
    const command = { ...(value as Record<string, unknown>) };
    if (typeof command.state === 'string') command.state = command.state.toUpperCase();
    return { ok: true, command };
  }
  const upper = text.toUpperCase();
  if (upper === 'ON' || upper === 'OFF' || upper === 'TOGGLE') return { ok: true, command: { state: upper } };
  if (NUMBER.test(text)) return { ok: true, command: { value: Number(text) } };
  return { ok: true, command: { text } };
}
