/**
 * Texas Instruments ADS1115 16-bit ADC on I2C, one input (or input pair) per scheme, in
 * single-shot mode: write the config register with OS = 1, poll OS until the conversion is done,
 * read the conversion register. The chip powers down between readings (9.4.2). Section numbers
 * are those of the ADS111x datasheet (SBAS444D).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineInput } from '../core/driver.js';
import type { I2cBus } from '../hardware/types.js';
import { i2cDevice, polled } from '../schemes/pieces.js';
import { ADS1115_GAINS, ADS1115_INPUTS, ADS1115_RATES, type Ads1115Input } from '../hardware/datasheets/ads1115.js';
import { attachAds1115 } from '../hardware/sim/chips/ads1115.js';

const REG = { conversion: 0x00, config: 0x01 } as const; // address pointer register, 9.6.1
const OS = 0x8000;
const MODE_SINGLE_SHOT = 0x0100;
const COMP_QUE_DISABLE = 0x0003; // comparator off, ALERT/RDY high-impedance (9.6.3)

/** The config word that starts one single-shot conversion (9.6.3). */
export function ads1115Config(input: Ads1115Input, fullScale: number, rate: number): number {
  const pga = ADS1115_GAINS[fullScale as keyof typeof ADS1115_GAINS];
  const dr = ADS1115_RATES[rate as keyof typeof ADS1115_RATES];
  if (pga === undefined || dr === undefined) throw new Error(`ADS1115: no PGA setting for ±${fullScale} V or no data rate ${rate} SPS`);
  return OS | (ADS1115_INPUTS[input] << 12) | (pga << 9) | MODE_SINGLE_SHOT | (dr << 5) | COMP_QUE_DISABLE;
}

/**
 * Volts from the conversion register: two's complement, 1 LSB = FSR / 2^15 (9.3.3), so 7FFFh is
 * +FS·(2^15 − 1)/2^15 and 8000h is −FS (9.5.4, "Data Format").
 */
export function ads1115Volts(raw: number, fullScale: number): number {
  return (raw * fullScale) / 32768;
}

// The data rate may run 10 % slow (electrical characteristics): wait one period plus that, then poll.
const POLL_MS = 1;
const MAX_EXTRA_MS = 50;

/** `driver: ads1115`: publishes voltage (V) and the raw conversion result. */
export const ads1115 = defineInput({
  name: 'ads1115',
  direction: 'input',
  description: 'Texas Instruments ADS1115 16-bit ADC on I2C: one input or differential pair per scheme, in volts.',
  bus: 'i2c',
  // Each read sets the multiplexer itself, so schemes reading different inputs share the chip.
  shares: { chip: 'ads1115', option: 'input', channels: (o) => [`input ${o.input}`] },
  schema: z.object({
    // ADDR to GND, VDD, SDA or SCL (9.5.1.1).
    ...i2cDevice({ defaultAddress: 0x48, addresses: [0x48, 0x49, 0x4a, 0x4b] }),
    input: z
      .enum(Object.keys(ADS1115_INPUTS) as [Ads1115Input, ...Ads1115Input[]])
      .default('A0')
      .describe('A0-A3 measure that input against GND; A0-A1, A0-A3, A1-A3 and A2-A3 measure the difference of a pair')
      .meta({ examples: ['A0'] }),
    gain: z
      .literal([6.144, 4.096, 2.048, 1.024, 0.512, 0.256])
      .default(4.096)
      .describe('PGA full-scale range in volts (±): 6.144, 4.096, 2.048, 1.024, 0.512 or 0.256. No input may exceed VDD + 0.3 V whatever the range')
      .meta({ examples: [4.096] }),
    data_rate: z
      .literal([8, 16, 32, 64, 128, 250, 475, 860])
      .default(128)
      .describe('Samples per second: 8, 16, 32, 64, 128, 250, 475 or 860; slower is less noisy')
      .meta({ examples: [128] }),
    ...polled('10s'),
  }),
  fields: [
    { name: 'voltage', type: 'number', unit: 'V', description: 'Input voltage (or the difference of the pair)', deviceClass: 'voltage' },
    { name: 'raw', type: 'integer', description: 'Conversion result, -32768 to 32767' },
  ],
  example: { id: 'battery-voltage', driver: 'ads1115', bus: 1, address: 0x48, input: 'A0', gain: 4.096, data_rate: 128, interval: '10s' },
  exampleFile: 'schemes/battery-voltage.yaml',
  sim: attachAds1115,
  polled: true,
  create(options, ctx) {
    let bus: I2cBus | undefined;
    const addr = options.address;
    const config = ads1115Config(options.input, options.gain, options.data_rate);
    const periodMs = Math.ceil(1100 / options.data_rate);
    const configBytes = Buffer.from([REG.config, config >> 8, config & 0xff]);
    return {
      async start() {
        const b = await ctx.hardware.i2c(options.bus);
        // Reading the config register proves a chip answers; nothing is written until the first poll.
        await b.readRegister(addr, REG.config, 2);
        bus = b;
      },
      async read() {
        const b = bus;
        if (!b) throw new Error('ads1115 not started');
        // Held from the config write to the result: schemes reading other inputs of the same chip
        // would otherwise switch the multiplexer mid-conversion or move the register pointer.
        const data = await b.exclusive(async (b) => {
          await b.write(addr, configBytes);
          await sleep(periodMs);
          for (let waited = 0; ; waited += POLL_MS) {
            // OS reads 0 while a conversion is running, 1 once it is done (9.6.3).
            const status = await b.readRegister(addr, REG.config, 2);
            if (status.readUInt16BE(0) & OS) break;
            if (waited >= MAX_EXTRA_MS) throw new Error(`ADS1115 at 0x${addr.toString(16)}: conversion did not finish`);
            await sleep(POLL_MS);
          }
          return b.readRegister(addr, REG.conversion, 2);
        });
        const raw = data.readInt16BE(0);
        return { voltage: Math.round(ads1115Volts(raw, options.gain) * 1e6) / 1e6, raw };
      },
      async stop() {
        bus = undefined;
      },
    };
  },
});
