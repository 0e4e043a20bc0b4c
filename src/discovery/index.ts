/** Home Assistant MQTT discovery (issue 7): the service, and the pure config builder it uses. */
export { Discovery, type DiscoveryContext, type DiscoveryLink } from './discovery.js';
export { nodeConfigs, schemeConfigs, type DiscoveredScheme, type DiscoveryConfig, type NodeInfo, type BuildOptions } from './configs.js';
export { driverOverrides, type Component, type DriverOverride, type FieldOverride } from './entities.js';
