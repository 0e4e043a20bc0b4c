/**
 * A pair of connected pseudo-terminals from socat, for testing the linux serial backend with a
 * real tty: what is written to one end is read from the other, through the kernel's tty layer.
 */
import { spawn } from 'node:child_process';

export interface PtyPair {
  a: string;
  b: string;
  close(): Promise<void>;
}

export function ptyPair(): Promise<PtyPair> {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const paths: string[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`socat printed no pty paths within 10 s: ${err}`));
    }, 10_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run socat (needed for the serial tests): ${e.message}`));
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      err += text;
      for (const m of text.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) paths.push(m[1]!);
      if (paths.length === 2 && /starting data transfer loop/.test(err)) {
        clearTimeout(timer);
        resolve({
          a: paths[0]!,
          b: paths[1]!,
          close: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill();
            }),
        });
      }
    });
  });
}
