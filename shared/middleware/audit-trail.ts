import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type AuditCaller, type AuditRecord, buildAuditRecord, isAudited } from '../domain/audit/audit-record';
import type { HttpContext, HttpMiddleware, HttpResult } from '../http/pipeline';
import type { AuditTrail } from '../ports/audit-trail';
import type { Clock } from '../ports/clock';

/** What the `auditTrail` middleware records with. */
export type AuditTrailOptions = {
  trail: AuditTrail;
  clock: Clock;
  /** New record ids. @default crypto.randomUUID */
  newId?: () => string;
};

/** The metric counted for every record the trail could not take. */
export const AUDIT_WRITE_FAILURES_METRIC = 'AuditWriteFailures';

/**
 * Records one audit record (`buildAuditRecord`) for every call `isAudited` selects: each 401 and
 * 403 — from `authorize`, and from operations (`NotOwnerError`) as `problemDetails` mapped them —
 * and each answer of a route that changes state (not GET/HEAD/OPTIONS, not `readOnly`). It sits
 * outside `problemDetails`, so it sees the final status, and reads `context.route` and
 * `context.principal` after the inner steps filled them in (the `anonymous` caller otherwise).
 *
 * The reason of a denial is the problem's `detail`; the resource id of a create without path
 * parameters is what `Location` adds to the route's path, else the answer's `id`. Nothing of the
 * request's headers or body is read.
 *
 * Writing the record never changes the answer: when the trail fails (table or bus unavailable),
 * the error is logged and counted as `AuditWriteFailures` (Powertools metric), and the call's
 * status — a committed state change — stands. The write is awaited, since Lambda freezes the
 * process once the answer is returned.
 *
 * @param anonymous - the caller recorded when `authorize` set none (auth off; an unauthenticated 401)
 * @example composeMiddleware([traceContext(logger), auditTrail(options, anonymous, logger, metrics), problemDetails(logger), …], invoke)
 */
export function auditTrail(
  options: AuditTrailOptions,
  anonymous: AuditCaller | undefined,
  logger: Logger,
  metrics: Metrics,
): HttpMiddleware {
  const newId = options.newId ?? randomUUID;
  return async (context, next) => {
    const result = await next();
    if (!isAudited({ method: context.method, ...(context.route && { route: context.route }), status: result.status }))
      return result;
    const record = buildAuditRecord({
      id: newId(),
      time: options.clock.now(),
      requestId: context.requestId,
      method: context.method,
      ...(context.route && { route: context.route }),
      path: context.path,
      pathParameters: context.pathParameters,
      ...createdIdOf(context, result),
      ...callerOf(context.principal ?? anonymous),
      ...(context.event.requestContext?.identity?.sourceIp && {
        sourceIp: context.event.requestContext.identity.sourceIp,
      }),
      status: result.status,
      ...reasonOf(result),
      recordedBy: 'function',
    });
    await recordSafely(options.trail, record, logger, metrics);
    return result;
  };
}

/**
 * Hands `record` to the trail; a failure is logged (without the record's caller details beyond
 * its ids) and counted, never thrown — an audit outage must not turn a committed change into a 5xx.
 */
export async function recordSafely(
  trail: AuditTrail,
  record: AuditRecord,
  logger: Pick<Logger, 'error'>,
  metrics: Pick<Metrics, 'addMetric'>,
): Promise<void> {
  try {
    await trail.record([record]);
  } catch (error) {
    metrics.addMetric(AUDIT_WRITE_FAILURES_METRIC, MetricUnit.Count, 1);
    logger.error('The audit record could not be written', {
      auditId: record.id,
      requestId: record.requestId,
      operationId: record.operationId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

const callerOf = (caller: AuditCaller | undefined) => (caller ? { caller } : {});

/** The problem's `detail` of a 401/403 answer (problem+json, as `problemDetails` or `authorize` wrote it). */
function reasonOf(result: HttpResult): { reason?: string } {
  if (result.status !== 401 && result.status !== 403) return {};
  const detail = jsonField(result, 'detail');
  return detail === undefined ? {} : { reason: detail };
}

/** A created resource's id: `Location` past the route's path, else the answer's `id`; only for routes without path parameters. */
function createdIdOf(context: HttpContext, result: HttpResult): { createdId?: string } {
  if (!context.route || context.route.path.includes('{') || result.status >= 300) return {};
  const location = result.headers?.location;
  if (location !== undefined) {
    const path = new URL(location, 'http://x').pathname;
    const at = path.indexOf(`${context.route.path}/`);
    if (at >= 0) return { createdId: decodeURIComponent(path.slice(at + context.route.path.length + 1)) };
  }
  const id = jsonField(result, 'id');
  return id === undefined ? {} : { createdId: id };
}

/** A top-level string field of a JSON answer body (after encoding: a string), if any. */
function jsonField(result: HttpResult, name: string): string | undefined {
  const body = result.body;
  if (typeof body !== 'string' || !body.startsWith('{')) return undefined;
  try {
    const value = (JSON.parse(body) as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
