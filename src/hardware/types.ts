/**
 * The small bus interfaces every driver talks to. Two backends implement them:
 * `linux` (onoff, i2c-bus, spi-device, sysfs) and `sim` (register-level chip models).
 * Drivers never import a backend; they get these through their context.
 */
import type { ChipCatalog } from './catalog.js';

export type Level = 0 | 1;
export type Edge = 'none' | 'rising' | 'falling' | 'both';

export interface GpioLineOptions {
  direction: 'in' | 'out';
  /** Edge interrupts to deliver to `watch` listeners (inputs only). */
  edge?: Edge;
  /** Initial level for outputs, written before the line is driven. */
  initial?: Level;
  /** Bias for inputs; `up` or `down` is set through the GPIO character device (linux/gpio-cdev.ts). */
  pull?: 'none' | 'up' | 'down';
}

/** One GPIO line, addressed by BCM number on the Pi's main gpiochip. */
export interface GpioLine {
  readonly pin: number;
  read(): Promise<Level>;
  write(level: Level): Promise<void>;
  /** Calls `listener` on every edge; returns the function that stops watching. */
  watch(listener: (level: Level) => void): () => void;
  close(): Promise<void>;
}

export interface Gpio {
  /** `pin` is a BCM number or a line name such as "GPIO27". */
  open(pin: number | string, options: GpioLineOptions): Promise<GpioLine>;
}

/** One I2C adapter (`/dev/i2c-N`). Calls are serialised per bus by the backend. */
export interface I2cBus {
  readonly bus: number;
  /** Write `data` to the device (the first byte is usually a register address). */
  write(address: number, data: Buffer): Promise<void>;
  /** Plain read of `length` bytes from the device. */
  read(address: number, length: number): Promise<Buffer>;
  /** Write the register address, then read `length` bytes (repeated start). */
  readRegister(address: number, register: number, length: number): Promise<Buffer>;
  /**
   * Runs `fn` with the bus held, so multi-step exchanges with one chip never interleave with
   * another's. `fn` gets the held bus and must make its calls on that one: a call on the bus
   * itself from inside would wait for the hold to end, which never comes.
   */
  exclusive<T>(fn: (held: I2cBus) => Promise<T>): Promise<T>;
  /** Addresses 0x03..0x77 that acknowledge. */
  scan(): Promise<number[]>;
}

export interface SpiTransferOptions {
  speedHz?: number;
  mode?: 0 | 1 | 2 | 3;
}

/** One spidev device (`/dev/spidevB.D`). Transfers are full duplex. */
export interface SpiDevice {
  readonly bus: number;
  readonly device: number;
  transfer(tx: Buffer, options?: SpiTransferOptions): Promise<Buffer>;
}

/** One hardware PWM channel (`/sys/class/pwm/pwmchipN/pwmM`). */
export interface PwmChannel {
  readonly chip: number;
  readonly channel: number;
  /** Sets period and duty cycle, in nanoseconds as sysfs takes them (duty ≤ period). */
  configure(periodNs: number, dutyNs: number): Promise<void>;
  enable(on: boolean): Promise<void>;
  close(): Promise<void>;
}

/** The kernel's 1-wire bus as seen through sysfs (w1-gpio + w1-therm). */
export interface OneWire {
  /** Device ids such as `28-0316a2795aff`. */
  list(): Promise<string[]>;
  /**
   * Reads one device without blocking the event loop. `w1_slave` is the classic two-line text
   * (scratchpad bytes with `crc=.. YES|NO`, then `t=`); newer kernels also offer a plain
   * `temperature` attribute in millidegrees, used only when `w1_slave` is missing.
   */
  read(id: string): Promise<{ kind: 'w1_slave' | 'temperature'; text: string }>;
}

/** One device of the kernel's Industrial I/O subsystem, as `hanode scan` lists it. */
export interface IioDeviceInfo {
  /** The sysfs directory name, `iio:deviceN`. */
  device: string;
  /** The kernel driver's name for it (the `name` file), e.g. `dht11`. */
  name: string;
}

/**
 * The kernel's Industrial I/O devices in sysfs (`/sys/bus/iio/devices`): sensors whose timing
 * Node cannot keep, read by a kernel driver (the DHT11/DHT22 through `dtoverlay=dht11`).
 */
export interface Iio {
  /** The devices present, sorted by number; [] without IIO. */
  list(): Promise<IioDeviceInfo[]>;
  /**
   * One attribute of `device` (e.g. `in_temp_input`), trimmed, read without blocking the event
   * loop. A failed kernel read rejects with its errno `code` (the dht11 driver's EIO, ETIMEDOUT).
   */
  read(device: string, attribute: string): Promise<string>;
}

/** One open serial port. Bytes come in as the OS delivers them: framing is the driver's business. */
export interface SerialConnection {
  readonly path: string;
  /** Calls `listener` with each chunk read; returns the function that stops it. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Calls `listener` when the port fails or goes away (a USB adapter unplugged); returns the function that stops it. */
  onError(listener: (err: Error) => void): () => void;
  /** Writes `data`; resolves once the OS has taken it all. */
  write(data: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Serial ports (`/dev/ttyAMA0`, `/dev/ttyUSB0`, `/dev/serial/by-id/…`), opened 8N1 without flow control. */
export interface SerialPorts {
  open(path: string, baudRate: number): Promise<SerialConnection>;
}

export interface SystemFacts {
  hostname: string;
  model: string | null;
  kernel: string;
  arch: string;
  cpu_temp: number | null;
  load1: number;
  mem_used_pct: number;
  disk_used_pct: number;
  uptime: number;
}

export interface SystemSource {
  facts(): Promise<SystemFacts>;
}

export interface GpioChipInfo {
  name: string;
  label: string;
  base: number;
  ngpio: number;
}

export interface I2cBusScan {
  bus: number;
  addresses: { address: number; hex: string; likely: string[] }[];
}

export interface ScanResult {
  hardware: 'linux' | 'sim';
  gpiochips: GpioChipInfo[];
  i2c: I2cBusScan[];
  spi: { bus: number; device: number; path: string }[];
  onewire: string[];
  iio: IioDeviceInfo[];
  system: SystemFacts;
}

export interface ScanOptions {
  /** Names the chips likely at each I2C address that answers (`ChipCatalog.of(registry)`). */
  catalog: ChipCatalog;
}

export interface Hardware {
  readonly kind: 'linux' | 'sim';
  readonly gpio: Gpio;
  i2c(bus: number): Promise<I2cBus>;
  spi(bus: number, device: number): Promise<SpiDevice>;
  pwm(chip: number, channel: number): Promise<PwmChannel>;
  readonly oneWire: OneWire;
  readonly iio: Iio;
  readonly serial: SerialPorts;
  readonly system: SystemSource;
  /** What the OS shows: gpiochips, I2C answers (with the catalog's likely chips), SPI, 1-wire, IIO, system. */
  scan(opts: ScanOptions): Promise<ScanResult>;
  close(): Promise<void>;
}

/** Roots of the OS trees the linux backend reads, so tests can point it at fixture trees. */
export interface LinuxRoots {
  sys: string;
  dev: string;
  proc: string;
}
