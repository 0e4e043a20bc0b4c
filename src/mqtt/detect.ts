/** Is an MQTT broker answering at host:port? Asked at the MQTT level: a CONNECT must get a CONNACK. */
import { connect } from 'mqtt';

export async function brokerAnswers(host: string, port: number, timeoutMs = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const client = connect(`mqtt://${host}:${port}`, {
      clientId: `hanode-probe-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      // See NO_NUMBER_CACHE in link.ts: the first client made decides for the whole process.
      writeCache: false,
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.end(true);
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    client.once('connect', () => done(true));
    client.once('error', () => done(false));
    client.once('close', () => done(false));
  });
}
