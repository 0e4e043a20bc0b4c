/** A private Mosquitto on a free loopback port, that a test can stop and start again. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function mosquittoBinary(): string {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'mosquitto';
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
}

export interface MosquittoOptions {
  /**
   * Keep sessions, their queued QoS 1 messages and retained messages across `stop()` and
   * `start()` (in a temp dir), so a persistent subscriber (clean: false, fixed clientId) misses
   * nothing published while it was reconnecting.
   */
  persistence?: boolean;
  /** More mosquitto.conf lines. */
  extra?: string;
  /**
   * Listen with TLS instead of plain TCP (PEM file paths). `url` is then `mqtts://127.0.0.1:PORT`,
   * so the server certificate must name IP 127.0.0.1. `requireCertificate` asks every client for
   * a certificate signed by `ca` (mutual TLS).
   */
  tls?: { ca: string; cert: string; key: string; requireCertificate?: boolean };
}

// A test file that ends without stopping its broker (a timeout, a failed hook) must not leave it running.
const started = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of started) proc.kill('SIGKILL');
});

export class Mosquitto {
  #proc?: ChildProcess;
  readonly url: string;
  readonly #conf: string;

  private constructor(readonly port: number, opts: MosquittoOptions) {
    this.url = `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'hanode-mosq-'));
    // Started as root, mosquitto drops to its own user, which must still be able to write its db here.
    chmodSync(dir, 0o777);
    this.#conf = join(dir, 'mosquitto.conf');
    // autosave_interval 0: the db is written when mosquitto exits (SIGTERM), which is when it matters.
    const persistence = opts.persistence ? `persistence true\npersistence_location ${dir}/\nautosave_interval 0\n` : 'persistence false\n';
    const tls = opts.tls
      ? `cafile ${opts.tls.ca}\ncertfile ${opts.tls.cert}\nkeyfile ${opts.tls.key}\nrequire_certificate ${opts.tls.requireCertificate ? 'true' : 'false'}\n`
      : '';
    writeFileSync(this.#conf, `listener ${port} 127.0.0.1\n${tls}allow_anonymous true\n${persistence}max_queued_messages 0\nset_tcp_nodelay true\n${opts.extra ?? ''}`);
  }

  /** Starts a new broker; the argument is either more config lines (as before) or options. */
  static async start(opts: string | MosquittoOptions = ''): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort(), typeof opts === 'string' ? { extra: opts } : opts);
    await m.start();
    return m;
  }

  get running(): boolean {
    return this.#proc !== undefined && this.#proc.exitCode === null;
  }

  async start(): Promise<void> {
    const proc = spawn(mosquittoBinary(), ['-c', this.#conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    this.#proc = proc;
    started.add(proc);
    proc.once('exit', () => started.delete(proc));
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))));
    await Promise.race([waitForPort(this.port, 5_000), exited]);
    exited.catch(() => {});
  }

  async stop(): Promise<void> {
    const proc = this.#proc;
    this.#proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }
}
