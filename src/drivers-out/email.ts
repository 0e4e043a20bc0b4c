/**
 * Sends each command as an e-mail through an SMTP server (nodemailer). The recipients are fixed
 * in the scheme, so a payload can choose what is said but never to whom. The text and subject
 * are templates like the displays': `{{kitchen-climate.temperature}}` shows another scheme's value.
 */
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { CommandError, defineOutput, fromPayload } from '../core/driver.js';
import { duration, template } from '../schemes/pieces.js';
import { Template, firstOf, objectLookup, statesLookup } from './template.js';

const address = z.string().min(3).regex(/@/, 'expected an e-mail address');

/** The `email` output driver: SMTP through nodemailer to fixed recipients. */
export const email = defineOutput({
  name: 'email',
  direction: 'output',
  description:
    'Sends each command as an e-mail over SMTP (nodemailer) to fixed recipients: payload text, or {"text":…,"subject":…}; both may hold {{scheme.field}} templates.',
  bus: 'network',
  schema: z.object({
    host: z.string().min(1).describe('SMTP server').meta({ examples: ['smtp.example.com'] }),
    port: z.number().int().min(1).max(65535).default(587).describe('587 for STARTTLS, 465 with secure: true'),
    secure: z.boolean().default(false).describe('TLS from the start (port 465); false upgrades with STARTTLS when the server offers it'),
    require_tls: z.boolean().default(false).describe('Refuse to send unless STARTTLS succeeds'),
    user: z.string().optional().describe('SMTP user name'),
    password: z.string().optional().describe('SMTP password; better kept out of the file with password_env'),
    password_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name')
      .optional()
      .describe('Name of the environment variable holding the SMTP password')
      .meta({ examples: ['SMTP_PASSWORD'] }),
    from: address.describe('Sender, e.g. "Hall Pi <pi@example.com>"').meta({ examples: ['Hall Pi <pi@example.com>'] }),
    to: z.union([address, z.array(address).min(1)]).describe('Recipient or recipients').meta({ examples: [['me@example.com']] }),
    subject: template('Subject template, when the payload has none').default('Message from hanode'),
    timeout: duration('Connection, greeting and socket timeout').prefault('30s'),
  }),
  command: z
    .strictObject({
      text: template('The message; may hold templates').optional(),
      value: z.number().optional().describe('A bare number payload, sent as the text'),
      state: z.string().optional().describe('ON/OFF/TOGGLE payloads, sent as the text'),
      subject: template('Subject template for this message').optional(),
    })
    .refine((c) => c.text !== undefined || c.value !== undefined || c.state !== undefined, 'expected text to send'),
  fields: [
    { name: 'subject', type: 'string', description: 'Subject of the last message sent' },
    { name: 'accepted', type: 'integer', description: 'How many recipients the server accepted' },
  ],
  example: {
    id: 'mail-me',
    driver: 'email',
    host: 'smtp.example.com',
    port: 587,
    user: 'pi@example.com',
    password_env: 'SMTP_PASSWORD',
    from: 'Hall Pi <pi@example.com>',
    to: 'me@example.com',
    subject: 'Hall: {{kitchen-climate.temperature}} °C',
  },
  create(options, ctx) {
    let transport: Transporter | undefined;
    const server = `${options.host}:${options.port}`;

    const password = (): string | undefined => {
      if (options.password !== undefined && options.password_env !== undefined) throw new Error('give password or password_env, not both');
      if (options.password_env === undefined) return options.password;
      const value = process.env[options.password_env];
      if (value === undefined) throw new Error(`the environment variable ${options.password_env} (password_env) is not set`);
      return value;
    };

    return {
      async start() {
        const pass = password();
        if (options.user !== undefined && pass === undefined) throw new Error('user is set but neither password nor password_env');
        // Loaded here: a node without an email output never pays for nodemailer.
        const { default: nodemailer } = await import('nodemailer');
        transport = nodemailer.createTransport({
          host: options.host,
          port: options.port,
          secure: options.secure,
          requireTLS: options.require_tls,
          auth: options.user !== undefined ? { user: options.user, pass } : undefined,
          connectionTimeout: options.timeout,
          greetingTimeout: options.timeout,
          socketTimeout: options.timeout,
        });
        return {};
      },
      async apply(command) {
        if (!transport) throw new Error('email not started');
        const { subject, body } = fromPayload(() => {
          const text = String(command.text ?? command.value ?? command.state);
          const lookup = firstOf(objectLookup({ ...command, text }), statesLookup(ctx.states));
          const subject = new Template(typeof command.subject === 'string' ? command.subject : options.subject).render(lookup);
          // The subject is a mail header: a line break in it would start a header of the sender's choosing.
          if (/[\r\n\0]/.test(subject)) throw new CommandError('the command cannot be sent: the subject would hold a line break or NUL; refused');
          return { subject, body: new Template(text).render(lookup) };
        });
        try {
          const info = await transport.sendMail({ from: options.from, to: options.to, subject, text: body });
          return { subject, accepted: info.accepted.length };
        } catch (err) {
          // The server said no (or could not be reached): this message failed, the scheme is fine.
          throw new CommandError(`SMTP ${server}: ${(err as Error).message}`);
        }
      },
      async stop() {
        transport?.close();
        transport = undefined;
      },
    };
  },
});
