import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbBreakerStore } from '../../shared/adapters/dynamodb/breaker-store';
import { DynamoDbConcurrencyLimiter } from '../../shared/adapters/dynamodb/concurrency-limiter';
import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbDeadLetterRepository } from '../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { DynamoDbServiceRegistry } from '../../shared/adapters/dynamodb/service-registry';
import { SqsQueueStateReader } from '../../shared/adapters/sqs/sqs-queue-state';
import type { ApiHandler } from '../../shared/middleware/http-api';
import type { QueueStateReader } from '../../shared/ports/queue-state';
import type { SystemStateDeps } from '../../shared/use-cases/system-state';
import { awsAuditLog } from '../audit-wiring';
import { type FunctionBase, httpOptions, requireSetting, traced } from '../wiring';
import { createSystemHandler, type SystemDeps } from './app';

/**
 * The system function's dependencies: the stores its health check pings (contracts and errors
 * tables), the audit table, what the state view reads (`systemStateDeps` over `queues`), and how
 * callers authenticate (AUTH_ENFORCED, AUTH_TOKEN_URL, AUTH_SCOPE_PREFIX), which the OpenAPI
 * document declares.
 *
 * @param queues - the delivery queues' depth: SQS in AWS (`awsQueueState`), the in-process queues locally
 */
export function systemDeps(base: FunctionBase, queues: QueueStateReader): SystemDeps {
  const { AUTH_ENFORCED, AUTH_TOKEN_URL, AUTH_SCOPE_PREFIX } = base.config;
  return {
    stores: {
      contracts: new DynamoDbContractRepository(base.documentClient, requireSetting(base.config, 'CONTRACTS_TABLE')),
      errors: base.policyStore,
    },
    audit: awsAuditLog(base.config, base.documentClient),
    state: systemStateDeps(base, queues),
    auth: {
      mode: AUTH_ENFORCED,
      ...(AUTH_TOKEN_URL && { tokenUrl: AUTH_TOKEN_URL }),
      ...(AUTH_SCOPE_PREFIX && { scopePrefix: AUTH_SCOPE_PREFIX }),
    },
  };
}

/**
 * What `GET /v1/state` reads, on the function's tables (MESH_TABLE, DELIVERY_TABLE, ERRORS_TABLE,
 * and RATE_LIMITS_TABLE for the mesh's in-flight leases when MESH_MAX_IN_FLIGHT_PER_TENANT is on).
 *
 * @throws {Error} when a table setting is missing — a deployment defect
 */
export function systemStateDeps(base: FunctionBase, queues: QueueStateReader): SystemStateDeps {
  const { config, documentClient, clock } = base;
  const meshTable = requireSetting(config, 'MESH_TABLE');
  const meshMaxInFlight = config.MESH_MAX_IN_FLIGHT_PER_TENANT;
  return {
    breakers: new DynamoDbBreakerStore(documentClient, meshTable),
    registry: new DynamoDbServiceRegistry(documentClient, meshTable),
    deadLetters: new DynamoDbDeadLetterRepository(
      documentClient,
      requireSetting(config, 'DELIVERY_TABLE'),
      config.EVENT_RETENTION_DAYS,
    ),
    counters: new DynamoDbErrorCounterRepository(documentClient, requireSetting(config, 'ERRORS_TABLE')),
    queues,
    ...(meshMaxInFlight > 0 && {
      inFlight: new DynamoDbConcurrencyLimiter(documentClient, requireSetting(config, 'RATE_LIMITS_TABLE')),
    }),
    meshMaxInFlight,
    clock,
  };
}

/**
 * The delivery path's queues in AWS: DELIVERY_QUEUE_URL, DELIVERY_DLQ_URL and EVENTS_DLQ_URL, read
 * with SQS GetQueueAttributes and CloudWatch GetMetricData (both clients traced).
 *
 * @throws {Error} when a queue URL is missing — a deployment defect
 */
export function awsQueueState(base: FunctionBase): QueueStateReader {
  const { config } = base;
  return new SqsQueueStateReader(
    traced(base, new SQSClient({})),
    traced(base, new CloudWatchClient({})),
    [
      { role: 'delivery', url: requireSetting(config, 'DELIVERY_QUEUE_URL') },
      { role: 'delivery-dlq', url: requireSetting(config, 'DELIVERY_DLQ_URL') },
      { role: 'events-dlq', url: requireSetting(config, 'EVENTS_DLQ_URL') },
    ],
    base.clock,
  );
}

/**
 * The system function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('system')`; tests pass a base with their own environment and clock).
 */
export function awsSystemHandler(base: FunctionBase): ApiHandler {
  return createSystemHandler(systemDeps(base, awsQueueState(base)), httpOptions(base));
}
