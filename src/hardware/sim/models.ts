/**
 * The sim models that are not chips on a bus: GPIO lines (gpio-in, gpio-out, button), a pulse
 * train (pulse-counter), PWM channels (pwm, servo) and the system facts. The chip models and
 * their attach functions are in chips/.
 */
import type { SimBoard, SimModel } from './board.js';
import { numberOption, pinOption, stringOption } from './board.js';
import { type SimPin, GpioInputDevice, GpioOutputDevice } from './gpio.js';
import { SimPwmOutput } from './pwm.js';
import { PulseInputDevice } from './pulse-input.js';

function gpioLine(board: SimBoard, options: Record<string, unknown>): SimPin {
  const line = board.gpio.pin(pinOption(options));
  return board.claim(`gpio:${line.pin}`, () => {
    // A pull-up holds an idle input high until the switch or sensor pulls it down.
    if (options.pull === 'up') line.external = 1;
    return line;
  });
}

/** A GPIO input line (gpio-in, button): `$sim` sets the level the outside world drives. */
export const attachGpioInput: SimModel = (board, _id, options) => new GpioInputDevice(gpioLine(board, options));

/** A GPIO output line (gpio-out): its level is what the driver writes. */
export const attachGpioOutput: SimModel = (board, _id, options) => new GpioOutputDevice(gpioLine(board, options));

/**
 * A GPIO input that plays pulses (pulse-counter). Each half of a simulated pulse far outlasts the
 * debounce, as a real meter's pulses do, so a busy event loop delaying the debounce timer never
 * merges two pulses.
 */
export const attachPulseInput: SimModel = (board, _id, options) =>
  new PulseInputDevice(gpioLine(board, options), Math.max(50, 5 * numberOption(options, 'debounce')));

/** A hardware PWM channel (pwm, servo); the driver opening the same channel drives it. */
export const attachPwmOutput: SimModel = (board, _id, options) => {
  const chip = numberOption(options, 'chip');
  const channel = numberOption(options, 'channel');
  // The driver's name labels the `$sim` errors ("servo sim: unknown key …").
  return new SimPwmOutput(board.claim(`pwm:${chip}.${channel}`, () => board.pwm(chip, channel)), stringOption(options, 'driver'));
};

/** The system facts (system): CPU temperature, load, memory and disk use. */
export const attachSystem: SimModel = (board) => board.claim('system', () => board.system);
