export { compileEventPattern } from './matcher';
export type {
  EventMatcher,
  EventPattern,
  EventPatternAnythingBut,
  EventPatternFilter,
  EventPatternMatcher,
  EventPatternValidation,
  EventPatternValue,
} from './types';
export { MAX_EVENT_PATTERN_ALTERNATIVES, MAX_EVENT_PATTERN_DEPTH, MAX_EVENT_PATTERN_LENGTH } from './types';
export { validateEventPattern } from './validate';
