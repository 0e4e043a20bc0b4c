/** `gateway:` in hanode.yaml (README "Gateway for micro devices"); the gateway is off unless it is present. */
import { z } from 'zod';
import { once } from '../core/once.js';
import { duration } from '../schemes/pieces.js';
import { SCHEME_ID } from '../schemes/pieces.js';
import { NAME } from './protocol.js';

/** The section's schema, built the first time a config has a gateway (core/once.ts). */
export const gatewaySchema = once(() => buildSchemas().gateway);

/** The keys of each mapping in the section, for "did you mean". */
export const gatewayKeys = once((): Record<string, string[]> => {
  const { gateway, tcp, limits } = buildSchemas();
  return {
    gateway: Object.keys(gateway.shape),
    'gateway.tcp': Object.keys(tcp.shape),
    'gateway.limits': Object.keys(limits.shape),
    'gateway.pair_button': ['from', 'event', 'for'],
  };
});

const buildSchemas = once(() => {
  const name = (what: string) => z.string().regex(NAME, `expected a ${what} of 1 to 64 of A-Z a-z 0-9 _ . -`);
  const schemeId = z.string().regex(SCHEME_ID, 'expected a scheme id: lower-case letters, digits and dashes');

  const gatewayTcpSchema = z
    .object({
      host: z.string().min(1).default('127.0.0.1').describe('Address to listen on; anything but loopback is logged as a warning'),
      port: z.number().int().min(0).max(65535).default(7420).describe('TCP port (0: any free port)'),
    })
    .strict();

  const gatewaySerialSchema = z
    .object({
      path: z.string().min(1).describe('Serial device, e.g. /dev/ttyUSB0'),
      baud: z.number().int().positive().default(115200),
    })
    .strict();

  const gatewayLimitsSchema = z
    .object({
      devices: z.number().int().positive().max(100_000).default(2_000).describe('Connections at once'),
      subscriptions: z.number().int().positive().max(10_000).default(256).describe('SUBs per device'),
      variables: z.number().int().positive().max(10_000).default(256).describe('Distinct variables one device may write'),
      write_queue: z.number().int().min(1024).max(16 * 1024 * 1024).default(64 * 1024).describe('Bytes waiting for a device before it is dropped as too slow'),
    })
    .strict();

  const gatewaySchema = z
    .object({
      tcp: gatewayTcpSchema.optional(),
      serial: z.array(gatewaySerialSchema).max(64).default([]),
      keepalive: duration('HELLO? after this much silence; two unanswered and the device is dropped')
        .refine((ms) => ms >= 100 && ms <= 3_600_000, 'expected a keepalive from 100ms to 1h')
        .default(30_000),
      allow: z.array(name('device ID')).default([]),
      expose: z.array(z.object({ variable: name('variable name'), from: schemeId, field: z.string().min(1) }).strict()).default([]),
      drive: z.array(z.object({ variable: name('variable name'), output: schemeId }).strict()).default([]),
      pair_button: z
        .object({
          from: schemeId.describe('A `button` scheme (any input that emits events)'),
          event: z.enum(['press', 'long_press', 'double_press']).default('long_press'),
          for: duration('How long the pairing window stays open')
            .refine((ms) => ms >= 1 && ms <= 3_600_000, 'expected a pairing window from 1ms to 1h')
            .default(120_000),
        })
        .strict()
        .optional()
        .describe('A push button that opens a pairing window, like $request/pair'),
      limits: gatewayLimitsSchema.default({ devices: 2_000, subscriptions: 256, variables: 256, write_queue: 64 * 1024 }),
    })
    .strict();

  return { gateway: gatewaySchema, tcp: gatewayTcpSchema, limits: gatewayLimitsSchema };
});

export type GatewayConfig = z.output<ReturnType<typeof gatewaySchema>>;
