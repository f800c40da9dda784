import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbErrorCounterRepository } from '../../shared/adapters/dynamodb/error-counter-repository';
import { EventBridgeEventPublisher } from '../../shared/adapters/eventbridge/event-publisher';
import { sharedLocalEventBus } from '../../shared/adapters/local/local-event-bus';
import { loadConfig } from '../../shared/config';
import { expectedRevisionOf } from '../../shared/http/conditional-request';
import { statusOf } from '../../shared/http/outcome-status';
import { createRouter } from '../../shared/http/router';
import { httpApi } from '../../shared/middleware/http-api';
import { PowertoolsErrorMetrics } from '../../shared/observability/error-metrics';
import { createObservability } from '../../shared/observability/powertools';
import { systemClock } from '../../shared/ports/clock';
import {
  deleteErrorPolicy,
  type ErrorPolicyDeps,
  type ErrorPolicyView,
  getErrorPolicy,
  listErrorPolicies,
  putErrorPolicy,
} from '../../shared/use-cases/error-policies';
import { getErrorStats } from '../../shared/use-cases/error-stats';
import type { RecordErrorDeps } from '../../shared/use-cases/record-error';
import { reportError } from '../../shared/use-cases/report-error';
import { type OperationsOf, routes } from '../routes';
import { policyAwareDynamoDb } from '../wiring';

/** What the errors function needs. */
export type ErrorsDeps = ErrorPolicyDeps & RecordErrorDeps;

/** Error policies, error reports and error counts. */
export const errorOperations: OperationsOf<'errors', ErrorsDeps> = {
  listErrorPolicies: async (_request, deps) => ({ status: 200, body: { items: await listErrorPolicies(deps) } }),
  getErrorPolicy: async ({ params }, deps) => withEtag(200, await getErrorPolicy(deps, params.key)),
  putErrorPolicy: async ({ params, body, headers }, deps) => {
    const { outcome, view } = await putErrorPolicy(deps, {
      key: params.key,
      body,
      expected: expectedRevisionOf(headers),
    });
    return withEtag(
      statusOf(outcome),
      view,
      outcome === 'created' ? `/v1/error-policies/${encodeURIComponent(params.key)}` : undefined,
    );
  },
  deleteErrorPolicy: async ({ params, headers }, deps) => {
    await deleteErrorPolicy(deps, { key: params.key, expected: expectedRevisionOf(headers) });
    return { status: 204 };
  },
  reportError: async ({ body }, deps) => {
    const { error, resolution, recorded } = await reportError(deps, body);
    return {
      status: 200,
      body: {
        error: error.toJSON(),
        resolution: {
          action: resolution.action,
          message: resolution.message,
          ...(resolution.action === 'retry' && { delayMs: resolution.delayMs }),
          ...(resolution.action !== 'retry' && { reason: resolution.reason }),
          ...(resolution.action === 'fallback' && { fallbackAction: resolution.fallbackAction }),
        },
        policy: { key: recorded.policy.key, origin: recorded.policy.origin },
        counts: recorded.counts,
        ...(recorded.alert && {
          alert: { ...recorded.alert, windowStart: new Date(recorded.alert.windowStart).toISOString() },
        }),
      },
    };
  },
  getErrorStats: async ({ query }, deps) => ({
    status: 200,
    body: await getErrorStats(deps, {
      window: query.window,
      limit: query.limit,
      ...(query.source !== undefined && { source: query.source }),
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      ...(query.at !== undefined && { at: Date.parse(query.at) }),
    }),
  }),
};

function withEtag(status: number, view: ErrorPolicyView, location?: string) {
  return {
    status,
    body: view,
    headers: {
      ...(view.revision !== undefined && { etag: `"${view.revision}"` }),
      ...(location && { location }),
    },
  };
}

const config = loadConfig(['ERRORS_TABLE']);
const observability = createObservability('errors');
const { documentClient, policyStore, policyCache } = policyAwareDynamoDb(config, observability);

const deps: ErrorsDeps = {
  policyStore,
  policyCache,
  counters: new DynamoDbErrorCounterRepository(documentClient, config.ERRORS_TABLE),
  events:
    config.EVENT_BUS_MODE === 'local'
      ? sharedLocalEventBus()
      : new EventBridgeEventPublisher(new EventBridgeClient({}), requireBusName(config.EVENT_BUS_NAME)),
  clock: systemClock,
  metrics: new PowertoolsErrorMetrics(observability.metrics, observability.logger),
};

function requireBusName(name: string | undefined): string {
  if (!name) throw new Error('Invalid configuration: EVENT_BUS_NAME is required when EVENT_BUS_MODE is eventbridge');
  return name;
}

/** Lambda entry point of the errors function (API Gateway REST proxy integration). */
export const handler = httpApi(
  createRouter(routes, errorOperations, deps, { maxBodyBytes: config.MAX_BODY_BYTES }),
  observability,
);
