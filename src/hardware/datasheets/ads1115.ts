/**
 * ADS1115 register fields (ADS111x datasheet, SBAS444D, section 9.6.3), shared by the ads1115
 * driver, which writes them, and its sim model, which decodes them.
 */

/** MUX[2:0]: the four pairs, then each input against GND. */
export const ADS1115_INPUTS = { 'A0-A1': 0, 'A0-A3': 1, 'A1-A3': 2, 'A2-A3': 3, A0: 4, A1: 5, A2: 6, A3: 7 } as const;
/** PGA[2:0] by full-scale range in volts (9.3.3, 9.6.3). */
export const ADS1115_GAINS = { 6.144: 0, 4.096: 1, 2.048: 2, 1.024: 3, 0.512: 4, 0.256: 5 } as const;
/** DR[2:0] by samples per second. */
export const ADS1115_RATES = { 8: 0, 16: 1, 32: 2, 64: 3, 128: 4, 250: 5, 475: 6, 860: 7 } as const;

/** An input against GND (`A0`…`A3`) or one of the four differential pairs. */
export type Ads1115Input = keyof typeof ADS1115_INPUTS;
