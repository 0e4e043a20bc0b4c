/** The persistent state store: `data/state.json`. */
export { StateStore, type StateStoreOptions, type StateStoreStats, type OverrideKind } from './store.js';
export { AtomicJsonFile } from './atomic-file.js';
export { emptyState, parseStateData, type StateData, type SavedState, type Overrides } from './shape.js';
