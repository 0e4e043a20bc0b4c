/** The rule engine: facts, conditions, edge-triggered firings, schedules and actions (README "Scheme files"). */
export { RuleEngine, type RuleEngineOptions } from './engine.js';
export { type RuleActions, payloadText } from './actions.js';
export { type RuleInfo, type Firing, type Damping, DEFAULT_DAMPING } from './running-rule.js';
export { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
