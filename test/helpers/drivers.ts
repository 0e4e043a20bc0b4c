/** Every built-in driver, loaded: for tests that check schemes, docs or the catalogue without an agent (agents load theirs on demand). */
import { builtinRegistry } from '../../src/cli/registry.js';

export const builtins = await builtinRegistry().loadAll();
