/**
 * The baseline for `npm run bench -- gateway`: the least a line gateway can do, in a process of
 * its own. TCP lines in, each published as it is with mqtt.js (QoS 1, retained, like a variable),
 * and OK back; no parsing, no checks, no state. Usage: gateway-relay.ts MQTT_URL PORT.
 */
import { createServer } from 'node:net';
import { connect } from 'mqtt';

const [url, port] = process.argv.slice(2);
const client = connect(url!, { clientId: `bench-line-relay-${process.pid}` });
await new Promise<void>((resolve) => client.once('connect', () => resolve()));
(client.stream as unknown as { setNoDelay(b: boolean): void }).setNoDelay(true);
const OK = 'START | COMMAND=OK | END\n';
createServer({ noDelay: true }, (socket) => {
  let rest = '';
  socket.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop()!;
    let answers = '';
    for (const line of lines) {
      client.publish('bench/relay/line', line, { qos: 1, retain: true });
      answers += OK;
    }
    if (answers) socket.write(answers);
  });
  socket.on('error', () => {});
}).listen(Number(port), '127.0.0.1', () => console.log('up'));
