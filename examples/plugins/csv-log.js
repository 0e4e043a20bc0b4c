// An example hanode plugin with message hooks: every message the node receives or publishes goes
// as a line into a CSV file. Load it with `plugins: [./examples/plugins/csv-log.js]` in hanode.yaml;
// the file is $HANODE_CSV_LOG, or messages.csv in the working directory.
//
// Columns: ts (ISO-8601), direction (received | sent), topic, payload, encoding. A payload that is
// not UTF-8 is written in base64 with encoding "base64". Lines are appended through a stream, so
// a hook call never waits for the disk.
import { createWriteStream, existsSync } from 'node:fs';

const file = process.env.HANODE_CSV_LOG || 'messages.csv';
let out;

/** Opened on the first message, so `hanode validate` or `hanode drivers` loading the plugin writes nothing. */
function stream() {
  if (out) return out;
  const fresh = !existsSync(file);
  out = createWriteStream(file, { flags: 'a' });
  out.on('error', (err) => console.error(`csv-log: cannot write ${file}: ${err.message}`));
  if (fresh) out.write('ts,direction,topic,payload,encoding\n');
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 4180: quote a field that holds a comma, a quote or a line break; double its quotes. */
function field(value) {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function line(direction, { topic, payload, ts }) {
  let text;
  let encoding = '';
  try {
    text = utf8.decode(payload);
  } catch {
    text = Buffer.from(payload).toString('base64');
    encoding = 'base64';
  }
  stream().write(`${new Date(ts).toISOString()},${direction},${field(topic)},${field(text)},${encoding}\n`);
}

export function onMessageReceived(msg) {
  line('received', msg);
}

export function onMessageSent(msg) {
  line('sent', msg);
}
