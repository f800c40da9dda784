import { ownerOf } from '../../shared/domain/auth/owner';
import { statusOf } from '../../shared/http/outcome-status';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import type { Replayer } from '../../shared/ports/replays';
import {
  type DeadLetterDeps,
  deleteDeadLetter,
  listDeadLetters,
  redriveDeadLetters,
} from '../../shared/use-cases/dead-letters';
import { getEvent, listEventsByCorrelation, testEventPattern } from '../../shared/use-cases/event-queries';
import { listEventLog } from '../../shared/use-cases/list-event-log';
import { type PublishEventsDeps, publishEvents, publishFailure } from '../../shared/use-cases/publish-events';
import { getReplay, startReplay } from '../../shared/use-cases/replays';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  rotateSubscriptionSecret,
  type SubscriptionDeps,
} from '../../shared/use-cases/subscriptions';
import { type OperationsOf, routes } from '../routes';

/** What the events function needs. */
export type EventsDeps = PublishEventsDeps & SubscriptionDeps & DeadLetterDeps & { replayer: Replayer };

/**
 * Publishing, the event log, subscriptions, pattern tests, dead letters and replays — each acting
 * on the caller's tenant only (`request.caller`): another tenant's events, subscriptions, dead
 * letters and replays answer 404 as if they did not exist.
 */
/**
 * Headers of an answer that may hold a webhook secret (create, rotate): no cache or proxy may keep
 * it (RFC 9111 §5.2.2.5 `no-store`).
 */
const SECRET_BEARING = { 'cache-control': 'no-store' } as const;

export const eventOperations: OperationsOf<'events', EventsDeps> = {
  publishEvents: async ({ body, caller }, deps) => {
    // published → 202; partially-published → 207 Multi-Status (RFC 4918 §11.1) with every result;
    // refused → the problem of its most urgent failure (publishFailure).
    const report = await publishEvents(deps, body, ownerOf(caller));
    if (report.outcome === 'refused') throw publishFailure(report);
    const { results, failedEntryCount } = report;
    return { status: report.outcome === 'published' ? 202 : 207, body: { results, failedEntryCount } };
  },
  listEvents: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listEventsByCorrelation(deps, caller.tenant, query),
  }),
  listEventLog: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listEventLog(deps, caller.tenant, query),
    headers: { 'cache-control': 'no-store' },
  }),
  getEvent: async ({ params, caller }, deps) => ({ status: 200, body: await getEvent(deps, caller.tenant, params.id) }),
  createSubscription: async ({ body, caller }, deps) => {
    const { outcome, subscription } = await createSubscription(deps, body, ownerOf(caller));
    return {
      status: statusOf(outcome),
      body: subscription,
      headers: {
        ...SECRET_BEARING,
        ...(outcome === 'created' && { location: `/v1/subscriptions/${encodeURIComponent(subscription.id)}` }),
      },
    };
  },
  listSubscriptions: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listSubscriptions(deps, caller.tenant, query),
  }),
  getSubscription: async ({ params, caller }, deps) => ({
    status: 200,
    body: await getSubscription(deps, caller.tenant, params.id),
  }),
  rotateSubscriptionSecret: async ({ params, body, caller }, deps) => ({
    status: 200,
    body: await rotateSubscriptionSecret(deps, caller.tenant, params.id, body),
    headers: SECRET_BEARING,
  }),
  deleteSubscription: async ({ params, caller }, deps) => {
    await deleteSubscription(deps, caller.tenant, params.id);
    return { status: 204 };
  },
  testEventPattern: async ({ body }) => ({ status: 200, body: testEventPattern(body) }),
  listDeadLetters: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listDeadLetters(deps, caller.tenant, query),
  }),
  redriveDeadLetters: async ({ body, caller }, deps) => ({
    status: 200,
    body: await redriveDeadLetters(deps, caller.tenant, body),
  }),
  deleteDeadLetter: async ({ params, caller }, deps) => {
    await deleteDeadLetter(deps, caller.tenant, params.id);
    return { status: 204 };
  },
  startReplay: async ({ body, caller }, deps) => {
    const replay = await startReplay(deps, body, ownerOf(caller));
    return { status: 202, body: replay, headers: { location: `/v1/replays/${encodeURIComponent(replay.name)}` } };
  },
  getReplay: async ({ params, caller }, deps) => ({
    status: 200,
    body: await getReplay(deps, caller.tenant, params.name),
  }),
};

/**
 * The events function: publishing, the event log, subscriptions, pattern tests, dead letters and
 * replays over the HTTP pipeline.
 *
 * @example const handler = createEventsHandler(eventsDeps(base, awsEventBusParts(base, subscriptions)), httpOptions(base));
 */
export const createEventsHandler = (deps: EventsDeps, options: HttpHandlerOptions) =>
  httpApi(routes, eventOperations, deps, options);
