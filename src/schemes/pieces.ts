/**
 * Shared pieces that driver schemas are built from, so twenty drivers don't copy the same fields.
 * Each option carries a description and an example: `hanode schema`, `hanode drivers` and the
 * README's driver table are generated from them.
 */
import { z } from 'zod';
import { isTemplate, templateProblem } from '../core/template.js';
import { checkDuration, DURATION_PATTERN, INTERVAL_BOUNDS, NOT_A_DURATION, type DurationBounds } from '../core/duration.js';

/**
 * A duration: milliseconds as a number, or text such as `30s`. Parsed to milliseconds and held
 * to `bounds` (by default 0 to 7 days; README "Limits and failure behaviour").
 */
export function duration(description: string, bounds: DurationBounds = {}) {
  return z
    .union([z.number().nonnegative(), z.string().regex(DURATION_PATTERN, NOT_A_DURATION)])
    .transform((v, ctx) => {
      const checked = checkDuration(v, bounds);
      if (checked.ok) return checked.ms;
      ctx.issues.push({ code: 'custom', message: checked.error, input: v });
      return z.NEVER;
    })
    .describe(description);
}

export const SCHEME_ID = /^[a-z0-9][a-z0-9-]*$/;

export const schemeId = z
  .string()
  .regex(SCHEME_ID, 'expected lower-case letters, digits and dashes, starting with a letter or digit')
  .refine((id) => id !== 'status', { message: "'status' is reserved for the node's own status topic" })
  .describe('Unique id on the node; it is the last part of the state topic')
  .meta({ examples: ['kitchen-climate'] });

/** `bus` and `address` of an I2C chip. */
export function i2cDevice(opts: { defaultAddress: number; addresses?: number[] }) {
  const allowed = opts.addresses;
  let address = z.number().int().min(0x03).max(0x77);
  return {
    bus: z.number().int().min(0).default(1).describe('I2C bus number, N in /dev/i2c-N').meta({ examples: [1] }),
    address: (allowed
      ? address.refine((a) => allowed.includes(a), {
          message: `expected one of ${allowed.map((a) => '0x' + a.toString(16)).join(', ')}`,
        })
      : address
    )
      .default(opts.defaultAddress)
      .describe(`7-bit I2C address (default 0x${opts.defaultAddress.toString(16)})`)
      .meta({ examples: [opts.defaultAddress] }),
  };
}

/** `bus` and `device` of a spidev device, plus the clock. */
export function spiDevice(opts: { maxSpeedHz: number }) {
  return {
    bus: z.number().int().min(0).default(0).describe('SPI bus, B in /dev/spidevB.D').meta({ examples: [0] }),
    device: z.number().int().min(0).default(0).describe('Chip select, D in /dev/spidevB.D').meta({ examples: [0] }),
    speed_hz: z
      .number()
      .int()
      .positive()
      .max(opts.maxSpeedHz)
      .default(Math.min(1_000_000, opts.maxSpeedHz))
      .describe('SPI clock in Hz'),
  };
}

/** A GPIO pin: BCM number or a line name such as "GPIO27". */
export const pin = z
  .union([
    z.number().int().min(0).max(53),
    z.string().regex(/^(GPIO|gpio)?\d{1,2}$/, 'expected a BCM number or a line name such as "GPIO27"'),
  ])
  .describe('BCM GPIO number, or a line name such as "GPIO27"')
  .meta({ examples: [17, 'GPIO27'] });

/**
 * `pull` of a GPIO input: the bias the circuit needs. `circuit` says which circuits need which,
 * for the driver's documentation.
 */
export function pull(defaultPull: 'none' | 'up' | 'down', circuit = '') {
  return z
    .enum(['none', 'up', 'down'])
    .default(defaultPull)
    .describe(
      `The pull resistor the circuit needs${circuit}. up or down sets the line's bias through the GPIO character device ` +
        "(libgpiod's tools, package gpiod; without them the bias is left as it is, with a warning); none leaves the line as it is and uses the sysfs interface",
    )
    .meta({ examples: ['up'] });
}

/** `interval` of a polled driver. */
export function polled(defaultInterval: string) {
  return {
    interval: duration('How often to take a reading (ms, s, m or h)', INTERVAL_BOUNDS)
      .prefault(defaultInterval)
      .meta({ examples: [defaultInterval] }),
  };
}

export const levelName = z.enum(['ON', 'OFF']);

/** Baud rates a Pi's UARTs and USB adapters take. */
export const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600] as const;

/** `port` of a serial device. */
export function serialPort() {
  return {
    port: z
      .string()
      .regex(/^\/dev\/[A-Za-z0-9_./:+-]+$/, 'expected a device path such as /dev/ttyUSB0 or /dev/serial0')
      .refine((p) => !p.split('/').includes('..'), { message: 'a device path cannot contain ..' })
      .describe('Serial device: /dev/serial0 (the GPIO header UART), /dev/ttyUSB0, or a stable /dev/serial/by-id/… path')
      .meta({ examples: ['/dev/serial0'] }),
  };
}

/** `baud` of a serial device whose rate is configurable; ports are opened 8N1. */
export function baudRate(defaultBaud: number) {
  return {
    baud: z
      .number()
      .int()
      .refine((b) => (BAUD_RATES as readonly number[]).includes(b), { message: `expected one of ${BAUD_RATES.join(', ')}` })
      .default(defaultBaud)
      .describe('Baud rate (8 data bits, no parity, one stop bit)')
      .meta({ examples: [defaultBaud] }),
  };
}

/** A string that may hold a Liquid template (README "Templates"), checked when the file is read. */
export function template(description: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const problem = isTemplate(text) ? templateProblem(text) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(description);
}
