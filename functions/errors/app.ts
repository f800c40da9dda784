import { ownerOf } from '../../shared/domain/auth/owner';
import { expectedRevisionOf } from '../../shared/http/conditional-request';
import { statusOf } from '../../shared/http/outcome-status';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
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

/** What the errors function needs. */
export type ErrorsDeps = ErrorPolicyDeps & RecordErrorDeps;

/**
 * Error policies, error reports and error counts. Policies are framework-wide (writes need
 * `errors:admin` in the route table and record `updatedBy`); reports and counts are the caller's
 * tenant's.
 */
export const errorOperations: OperationsOf<'errors', ErrorsDeps> = {
  listErrorPolicies: async ({ query }, deps) => ({ status: 200, body: await listErrorPolicies(deps, query) }),
  getErrorPolicy: async ({ params }, deps) => withEtag(200, await getErrorPolicy(deps, params.key)),
  putErrorPolicy: async ({ params, body, headers, caller }, deps) => {
    const { outcome, view } = await putErrorPolicy(deps, {
      key: params.key,
      body,
      by: ownerOf(caller),
      expected: expectedRevisionOf(headers),
    });
    return withEtag(
      statusOf(outcome),
      view,
      outcome === 'created' ? `/v1/error-policies/${encodeURIComponent(params.key)}` : undefined,
    );
  },
  deleteErrorPolicy: async ({ params, headers, caller }, deps) => {
    await deleteErrorPolicy(deps, { key: params.key, by: ownerOf(caller), expected: expectedRevisionOf(headers) });
    return { status: 204 };
  },
  reportError: async ({ body, caller }, deps) => {
    const { error, resolution, recorded } = await reportError(deps, body, caller.tenant);
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
  getErrorStats: async ({ query, caller }, deps) => ({
    status: 200,
    body: await getErrorStats(deps, {
      tenant: caller.tenant,
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

/**
 * The errors function: error policies, error reports and error counts over the HTTP pipeline.
 *
 * @example const handler = createErrorsHandler(errorsDeps(base, { events }), httpOptions(base));
 */
export const createErrorsHandler = (deps: ErrorsDeps, options: HttpHandlerOptions) =>
  httpApi(routes, errorOperations, deps, options);
