export {
  type BackoffOptions,
  type BackoffPolicy,
  backoffDelayMs,
  baseDelayMs,
} from '../domain/resilience/backoff';
export {
  type ClassifiedError,
  type DecideOptions,
  decide,
  type GiveUpReason,
  type Resolution,
} from '../domain/resilience/decide';
export { CONFIGURATION_ERROR_CODE, ConfigurationError, HttpStatusError } from '../domain/resilience/errors';
export {
  ERROR_CATEGORIES,
  type ErrorCategory,
  IntegrationError,
  type IntegrationErrorFields,
  withErrorContext,
} from '../domain/resilience/integration-error';
export {
  BACKOFF_STRATEGIES,
  type BackoffStrategy,
  BUILT_IN_POLICIES,
  DEFAULT_POLICY_KEY,
  type ErrorPolicy,
  ErrorPolicySchema,
  JITTER_MODES,
  type JitterMode,
  MAX_POLICY_DELAY_MS,
  MAX_POLICY_RETRIES,
  type PolicyOverrides,
  type ResolvedPolicy,
  resolvePolicy,
  UNCLASSIFIED_CODE,
} from '../domain/resilience/policy';
export {
  ABORTED_CODE,
  type ClassifyOptions,
  classifyError,
  classifyHttpStatus,
  parseRetryAfterMs,
  TIMEOUT_CODE,
} from './classify';
export { type PolicySource, type StopReason, type WithRetryOptions, withRetry } from './with-retry';
