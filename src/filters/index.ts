/** Reading filters: the `filters:` schema of input schemes and the chain that applies them. */
export { FilterChain, type FilterChainOptions } from './chain.js';
export {
  filterList,
  filterEntry,
  checkFilterFields,
  isBinaryFilter,
  isNumberFilter,
  FILTER_KINDS,
  NUMBER_FILTERS,
  BINARY_FILTERS,
  GATE_FILTERS,
  type FilterSpec,
  type FilterKind,
  type FilterFieldProblem,
} from '../schemes/filter-schema.js';
export { roundTo, fitLine } from './stages.js';
