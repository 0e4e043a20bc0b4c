/**
 * What the agent needs from the sim backend beyond `Hardware`: put the simulated chip behind a
 * scheme on its bus, and set its physical quantities (`B/N/$sim/S/set`, README "Topics").
 */
export interface SimDevice {
  /**
   * Set physical quantities, e.g. `{temperature: 26.5}`, `{level: 1}`, `{voltage: 1.2}`, `{fail: true}`.
   * Throws an Error saying which keys are expected when a key or value does not fit.
   */
  set(quantities: Record<string, unknown>): void;
  /** The quantities the device is simulating now. */
  state(): Record<string, unknown>;
}
