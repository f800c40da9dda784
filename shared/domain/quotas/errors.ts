import { DependencyUnavailableError, DomainError, type FieldProblem } from '../errors';
import type { QuotaName } from './quota';

/**
 * A tenant quota does not leave room for the request (409 Conflict, type
 * `urn:aif:problem:quota-exceeded`): the request is well-formed, but the tenant's current holdings
 * (or, for `instanceMetadataBytes`, the size the deployment allows) refuse it. The problem names
 * the quota and its value in the extension members `quota` and `limit`; deleting something of the
 * same kind (or asking the operator to raise the `QUOTA_*` setting) makes room.
 *
 * @example throw new QuotaExceededError('subscriptionsPerTenant', 50)
 */
export class QuotaExceededError extends DomainError {
  readonly code: string = 'quota-exceeded';
  readonly title: string = 'A quota of the tenant does not allow this request';

  /**
   * @param quota - which quota (the `QUOTA_*` setting in `shared/config.ts` sets its value)
   * @param limit - the quota's value: a count, or bytes for `instanceMetadataBytes`
   * @param problems - where in the request the quota bites, when a member of the body does
   */
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
    problems: FieldProblem[] = [],
    detail = `The quota ${quota} (${limit}) is exhausted; delete something of this kind first`,
  ) {
    super(detail, problems, { extensions: { quota, limit } });
  }
}

/**
 * A limit of the platform itself would be crossed — today EventBridge's rules per event bus —
 * so the request is refused before the AWS call would fail (503 Service Unavailable, type
 * `urn:aif:problem:service-quota-exceeded`, `Retry-After`); it succeeds once rules are deleted or
 * the operator raises the quota (and `SUBSCRIPTION_RULES_LIMIT` with it).
 *
 * @example throw new ServiceQuotaExceededError('subscriptionRulesPerBus', 280, 'EventBridge allows 300 rules per event bus')
 */
export class ServiceQuotaExceededError extends DependencyUnavailableError {
  override readonly code: string = 'service-quota-exceeded';
  override readonly title: string = 'A quota of the platform does not allow this request';

  /**
   * @param quota - which quota
   * @param limit - the count this deployment stops at (below the AWS quota, leaving headroom)
   * @param why - the AWS quota it protects, in words
   */
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
    why: string,
  ) {
    super(`${why}; this deployment stops at ${limit} and all are in use`, 60, { extensions: { quota, limit } });
  }
}
