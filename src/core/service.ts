/**
 * The one lifecycle every part of a running node shares. The controller holds an ordered list of
 * services, starts them in order and stops the started ones in reverse. A constructor only stores
 * what it is given; work happens in `start()`, and `stop()` undoes it and never throws.
 */
export interface Service {
  /** Short and lower case; the log says `starting <name>`. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
