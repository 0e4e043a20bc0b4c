/**
 * A BMP280 at the register level: the BME280 model (bme280.ts) without the humidity channel.
 * The two chips share their memory map apart from ctrl_hum and the humidity data and trimming
 * (BMP280 datasheet 4.2), so one model with humidity switched off answers as a BMP280 does:
 * chip id 0x58, a 6-byte data burst, and `$sim` keys temperature, pressure and fail.
 */
import { Bme280Chip } from './bme280.js';
import { claimI2cChip, type SimModel } from '../board.js';

/** A simulated BMP280 (chip id 0x58, no humidity). */
export class Bmp280Chip extends Bme280Chip {
  constructor() {
    super({ chipId: 0x58, humidity: false, label: 'bmp280' });
  }
}

/** Puts a BMP280 at the scheme's bus and address, shared by schemes naming the same place. */
export const attachBmp280: SimModel = (board, _id, options) =>
  claimI2cChip(board, options, { driver: 'bmp280', type: Bmp280Chip, create: () => new Bmp280Chip() });
