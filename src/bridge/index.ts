/** The bridge service (README "Bridges") and what the config loader and the agent need of it. */
export { BridgeService, bridgeTypes, type BridgeServiceOptions } from './service.js';
export type { BridgeStatus } from './base.js';
export { validateBridges, type BridgeValidation, type BridgeLocator } from './validate.js';
export { checkBridgeSection, type BridgeSection } from './config-section.js';
export { bridgeSchemas, BRIDGE_TYPES, type BridgeConfig, type BridgeType } from './schema.js';
export { sasToken } from './sas.js';
