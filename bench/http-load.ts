/**
 * A small HTTP load generator, run as its own process so it never shares an event loop with the
 * server it measures: `node --import tsx bench/http-load.ts URL SECONDS CONCURRENCY [TOKEN]`.
 * Keep-alive connections, one request in flight on each. Prints `{"requests","seconds","errors"}`.
 */
import { Agent, get } from 'node:http';

const [url, seconds = '3', concurrency = '32', token] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const headers = token ? { authorization: `Bearer ${token}` } : {};
let requests = 0;
let errors = 0;
const end = performance.now() + Number(seconds) * 1000;

const once = () =>
  new Promise<void>((resolve) => {
    get(url!, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) requests++;
        else errors++;
        resolve();
      });
    }).on('error', () => {
      errors++;
      resolve();
    });
  });

const worker = async () => {
  while (performance.now() < end) await once();
};
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(JSON.stringify({ requests, seconds: (performance.now() - t0) / 1000, errors }) + '\n');
agent.destroy();
