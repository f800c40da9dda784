import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPolicyRetryStrategy } from '../shared/adapters/aws/policy-retry-strategy';
import { createDocumentClient } from '../shared/adapters/dynamodb/document-client';
import { DynamoDbErrorPolicyRepository } from '../shared/adapters/dynamodb/error-policy-repository';
import { EventBridgeEventPublisher } from '../shared/adapters/eventbridge/event-publisher';
import { localEventBusParts } from '../shared/adapters/local/local-event-bus-wiring';
import type { Config } from '../shared/config';
import type { OutboundAddressRules } from '../shared/domain/net/outbound-address-rules';
import type { Observability } from '../shared/observability/powertools';
import { systemClock } from '../shared/ports/clock';
import type { EventPublisher } from '../shared/ports/event-publisher';
import { ErrorPolicyCache } from '../shared/use-cases/error-policy-cache';

/** A function's DynamoDB access, retrying by the framework's error policies. */
export type PolicyAwareDynamoDb = {
  documentClient: DynamoDBDocumentClient;
  policyStore: DynamoDbErrorPolicyRepository;
  policyCache: ErrorPolicyCache;
};

/**
 * Cold-start wiring shared by the handlers: one DynamoDB document client whose retries (throttling,
 * 5xx, network errors) are decided by the error policies — the stored ones, cached per instance
 * for `ERROR_POLICY_CACHE_TTL_MS` and refreshed in the background, the built-in ones until the
 * first load — with at most 5 s of retry delay per call, so API requests stay inside API
 * Gateway's 29 s. Each retry is logged.
 *
 * @example const { documentClient } = policyAwareDynamoDb(config, observability);
 */
export function policyAwareDynamoDb(
  config: Pick<Config, 'DYNAMODB_ENDPOINT' | 'ERROR_POLICY_CACHE_TTL_MS'> & { ERRORS_TABLE: string },
  { logger }: Observability,
): PolicyAwareDynamoDb {
  let policyCache: ErrorPolicyCache | undefined;
  const documentClient = createDocumentClient(config.DYNAMODB_ENDPOINT, {
    retryStrategy: createPolicyRetryStrategy({
      source: 'dynamodb',
      policies: () => policyCache?.current() ?? new Map(),
      onRetry: (error, resolution) =>
        logger.warn('DynamoDB call failed; retrying', { error: error.toJSON(), resolution }),
    }),
  });
  const policyStore = new DynamoDbErrorPolicyRepository(documentClient, config.ERRORS_TABLE);
  policyCache = new ErrorPolicyCache(policyStore, systemClock, {
    ttlMs: config.ERROR_POLICY_CACHE_TTL_MS,
    onRefreshError: (error) =>
      logger.warn('Error policies could not be refreshed; using the last loaded copy', { error: String(error) }),
  });
  return { documentClient, policyStore, policyCache };
}

/**
 * A setting this deployment mode needs (e.g. the queue URL in AWS mode).
 *
 * @throws {Error} naming the missing variable — a deployment defect
 */
export function requireSetting<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined || value === null) throw new Error(`Invalid configuration: ${String(name)} is required`);
  return value as NonNullable<Config[K]>;
}

/** The outbound SSRF policy from OUTBOUND_ALLOW_LOOPBACK, OUTBOUND_ALLOW_PRIVATE and OUTBOUND_ALLOWLIST. */
export function addressPolicyOf(config: Config): OutboundAddressRules {
  return {
    allowLoopback: config.OUTBOUND_ALLOW_LOOPBACK,
    allowPrivate: config.OUTBOUND_ALLOW_PRIVATE,
    allowlist: config.OUTBOUND_ALLOWLIST,
  };
}

/**
 * The framework's bus for this mode: the in-process bus locally (EVENT_BUS_MODE=local), EventBridge
 * (EVENT_BUS_NAME) otherwise.
 *
 * @throws {Error} when EVENT_BUS_NAME is missing in EventBridge mode
 */
export function eventPublisherOf(config: Config): EventPublisher {
  return config.EVENT_BUS_MODE === 'local'
    ? localEventBusParts().bus
    : new EventBridgeEventPublisher(new EventBridgeClient({}), requireSetting(config, 'EVENT_BUS_NAME'), {
        maxEntryBytes: config.MAX_EVENT_ENTRY_BYTES,
      });
}
