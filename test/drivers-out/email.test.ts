import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { CommandError } from '../../src/core/driver.js';
import { email } from '../../src/drivers-out/email.js';
import { createSimHardware } from '../../src/hardware/sim/index.js';
import { optionsFor } from '../drivers-in/context.js';
import { displayContext, fakeStates } from './display-helpers.js';

interface Received {
  from: string | undefined;
  to: string[];
  user: unknown;
  headers: Map<string, string>;
  body: string;
}

/** Headers (unfolded, names lower-cased) and body of a raw message. */
function parse(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/** A local SMTP server on a free port, plain text (no STARTTLS), AUTH with hanode / s3cret. */
async function smtp() {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'hanode' && auth.password === 's3cret') cb(null, { user: 'hanode' });
      else cb(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      if (address.address.endsWith('@nowhere.test')) cb(new Error('no such mailbox'));
      else cb();
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (raw += d));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        received.push({ from: mailFrom ? mailFrom.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), user: session.user, ...parse(raw) });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const states = fakeStates({ 'kitchen-climate': { temperature: 21.5 } });
function setup(raw: Record<string, unknown>) {
  return email.create(optionsFor(email, raw, 'mail'), displayContext(createSimHardware(), states, 'mail'));
}

test('email: sends through SMTP with AUTH; headers and body arrive as sent', async () => {
  const server = await smtp();
  process.env.HANODE_TEST_SMTP_PASSWORD = 's3cret';
  try {
    const driver = setup({
      host: '127.0.0.1', port: server.port, user: 'hanode', password_env: 'HANODE_TEST_SMTP_PASSWORD',
      from: 'Hall Pi <pi@example.test>', to: ['me@example.test', 'you@example.test'], subject: 'Kitchen at {{kitchen-climate.temperature}} C',
    });
    assert.deepEqual(await driver.start(), {});
    const state = await driver.apply({ text: 'The kitchen is at {{kitchen-climate.temperature}} C.' });
    assert.deepEqual(state, { subject: 'Kitchen at 21.5 C', accepted: 2 });
    const [m] = server.received;
    assert.equal(m!.user, 'hanode');
    assert.equal(m!.from, 'pi@example.test');
    assert.deepEqual(m!.to, ['me@example.test', 'you@example.test']);
    assert.equal(m!.headers.get('from'), 'Hall Pi <pi@example.test>');
    assert.equal(m!.headers.get('to'), 'me@example.test, you@example.test');
    assert.equal(m!.headers.get('subject'), 'Kitchen at 21.5 C');
    assert.match(m!.headers.get('content-type')!, /^text\/plain/);
    assert.equal(m!.body.trim(), 'The kitchen is at 21.5 C.');

    await driver.apply({ text: 'Door open', subject: 'Alarm' });
    assert.equal(server.received[1]!.headers.get('subject'), 'Alarm');
    await driver.apply({ value: 42 });
    assert.equal(server.received[2]!.body.trim(), '42', 'a bare number is the text');
    await driver.stop();
  } finally {
    delete process.env.HANODE_TEST_SMTP_PASSWORD;
    await server.close();
  }
});

test('email: a refused login or recipient is a CommandError naming the server, never the password', async () => {
  const server = await smtp();
  try {
    const wrong = setup({ host: '127.0.0.1', port: server.port, user: 'hanode', password: 'guess', from: 'pi@example.test', to: 'me@example.test' });
    await wrong.start();
    await assert.rejects(wrong.apply({ text: 'x' }), (e: Error) => {
      assert.ok(e instanceof CommandError);
      assert.match(e.message, new RegExp(`^SMTP 127\\.0\\.0\\.1:${server.port}: .*Invalid username or password`));
      assert.ok(!e.message.includes('guess'));
      return true;
    });
    const nobody = setup({ host: '127.0.0.1', port: server.port, from: 'pi@example.test', to: 'ghost@nowhere.test' });
    await nobody.start();
    await assert.rejects(nobody.apply({ text: 'x' }), /no such mailbox/);
    assert.equal(server.received.length, 0);
  } finally {
    await server.close();
  }
  const down = setup({ host: '127.0.0.1', port: server.port, from: 'pi@example.test', to: 'me@example.test', timeout: '2s' });
  await down.start();
  await assert.rejects(down.apply({ text: 'x' }), (e: Error) => e instanceof CommandError && /ECONNREFUSED/.test(e.message));
});

test('email: password checks at start, and the schemas', async () => {
  const base = { host: 'smtp.example.test', from: 'pi@example.test', to: 'me@example.test' };
  await assert.rejects(setup({ ...base, user: 'u', password_env: 'HANODE_TEST_UNSET_VARIABLE' }).start(), /HANODE_TEST_UNSET_VARIABLE \(password_env\) is not set/);
  await assert.rejects(setup({ ...base, user: 'u', password: 'p', password_env: 'X' }).start(), /not both/);
  await assert.rejects(setup({ ...base, user: 'u' }).start(), /neither password nor password_env/);
  assert.deepEqual(email.schema.parse(base), { ...base, port: 587, secure: false, require_tls: false, subject: 'Message from hanode', timeout: 30000 });
  assert.throws(() => email.schema.parse({ ...base, to: 'nobody' }), /e-mail address/);
  assert.throws(() => email.schema.parse({ ...base, password_env: 'not a name' }));
  assert.throws(() => email.command.parse({ subject: 'only a subject' }), /text/);
  assert.throws(() => email.command.parse({ text: 'x', to: 'evil@example.test' }), 'recipients come from the scheme only');
});

test('email: a subject with a line break is a CommandError before anything is sent', async () => {
  const server = await smtp();
  try {
    const mail = setup({ host: '127.0.0.1', port: server.port, from: 'pi@example.test', to: 'me@example.test', subject: 'Hall: {{text}}' });
    await mail.start();
    await assert.rejects(mail.apply({ text: 'x\r\nBcc: everyone@example.test' }), (e: Error) => e instanceof CommandError && /subject would hold a line break/.test(e.message));
    await assert.rejects(mail.apply({ subject: 'a\nb', text: 'x' }), (e: Error) => e instanceof CommandError);
    assert.equal(server.received.length, 0);
  } finally {
    await server.close();
  }
});
