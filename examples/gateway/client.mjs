// A device for hanode's line-protocol gateway, in Node: `node client.mjs 127.0.0.1 7420 my-device`.
// Also a library: `lineClient(stream)` over any byte stream (a TCP socket, a serial port).
import { connect } from 'node:net';

/** Sends commands as lines and hands back each line the gateway sends, parsed. */
export function lineClient(stream) {
  const waiting = [], queue = [];
  let rest = '';
  stream.on('data', (chunk) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop();
    for (const line of parts) {
      const fields = {};
      let body = /^START\s*\|(.*)\|\s*END$/.exec(line.trim())?.[1] ?? '';
      while (body) {
        // VALUE and REASON come last and may hold '|'.
        const eq = body.indexOf('='), key = body.slice(0, eq).trim();
        const bar = key === 'VALUE' || key === 'REASON' ? -1 : body.indexOf('|');
        fields[key] = body.slice(eq + 1, bar < 0 ? undefined : bar).trim();
        body = bar < 0 ? '' : body.slice(bar + 1);
      }
      const reply = { line, command: fields.COMMAND, ...fields };
      waiting.length ? waiting.shift()(reply) : queue.push(reply);
    }
  });
  return {
    send: (command, fields = {}) => stream.write(`START | COMMAND=${command}${Object.entries(fields).map(([k, v]) => ` | ${k}=${v}`).join('')} | END\n`),
    /** The next line from the gateway: `{ line, command, VARIABLE?, VALUE?, DEVICE?, REASON? }`. */
    next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))),
    close: () => stream.end(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host = '127.0.0.1', port = '7420', id = 'node-example'] = process.argv.slice(2);
  const device = lineClient(connect(Number(port), host));
  device.send('ID', { ID: id });
  device.send('SUB', { VARIABLE: 'kitchen_temp' });
  for (;;) {
    const m = await device.next();
    if (m.command === 'HELLO?') device.send('HELLO!');
    else console.log(m.line);
    if (m.command === 'CLOSE') process.exit(0);
  }
}
