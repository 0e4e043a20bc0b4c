/** Home Assistant MQTT discovery (issues 7 and 17): the service, the pure config builder it uses, and the checks of scheme overrides. */
export { Discovery, type DiscoveryContext, type DiscoveryLink } from './discovery.js';
export {
  nodeConfigs,
  nodeEntityConfigs,
  schemeConfigs,
  schemeEntities,
  NODE_ENTITIES,
  type DiscoveredScheme,
  type DiscoveryConfig,
  type EntityOverride,
  type NodeInfo,
  type BuildOptions,
} from './configs.js';
export { driverOverrides, type Component, type DriverOverride, type FieldOverride } from './entities.js';
export { overrideProblems } from './check.js';
