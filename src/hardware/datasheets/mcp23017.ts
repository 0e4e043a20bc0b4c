/**
 * MCP23017 register map with IOCON.BANK = 0, the power-on layout, where each A register is
 * followed by its B twin so that one sequential access covers both ports (Microchip MCP23017
 * datasheet, table 3-1 and 3.2.1). Pins 0-7 are GPA0-GPA7, pins 8-15 GPB0-GPB7.
 */
export const MCP23017_REG = {
  IODIR: 0x00, // 1 = input (power-on 0xFF)
  IPOL: 0x02,
  GPINTEN: 0x04, // interrupt-on-change enable
  DEFVAL: 0x06,
  INTCON: 0x08, // 0 = compare with the previous value, 1 = with DEFVAL
  IOCON: 0x0a,
  GPPU: 0x0c, // 100 kΩ pull-ups
  INTF: 0x0e,
  INTCAP: 0x10, // port captured at the interrupt; reading it clears the interrupt
  GPIO: 0x12, // reading it clears the interrupt too
  OLAT: 0x14,
} as const;

/** IOCON.MIRROR: INTA and INTB both signal a change on either port, so one GPIO line serves. */
export const MCP23017_IOCON_MIRROR = 0x40;

export const MCP23017_ADDRESSES = [0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27];
