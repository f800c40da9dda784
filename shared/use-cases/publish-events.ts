import * as z from 'zod';
import { NotOwnerError } from '../domain/auth/errors';
import type { Owner } from '../domain/auth/owner';
import { contentHash } from '../domain/canonical-json';
import type { CompiledContractCache } from '../domain/contracts/validator';
import { coerceVersion } from '../domain/contracts/versions';
import {
  ConflictError,
  DependencyUnavailableError,
  type DomainError,
  type FieldProblem,
  InputTooLargeError,
  issueProblems,
  listedProblems,
  ValidationError,
} from '../domain/errors';
import { DEFAULT_MAX_ENTRY_BYTES, preparePutEventsEntry } from '../domain/events/entry-rules';
import { type IntegrationEvent, IntegrationEventSchema } from '../domain/events/integration-event';
import { isReservedSource, withTenant } from '../domain/events/tenancy';
import { decide } from '../domain/resilience/decide';
import { IntegrationError } from '../domain/resilience/integration-error';
import { resolvePolicy } from '../domain/resilience/policy';
import { type Clock, nowMs } from '../ports/clock';
import type { ContractRepository } from '../ports/contract-repository';
import type { EventLog } from '../ports/event-log';
import type { EventPublisher, PublishOutcome } from '../ports/event-publisher';
import type { SourceClaims } from '../ports/source-claims';
import type { ErrorPolicyCache } from './error-policy-cache';
import { claimFailure, claimRefusal } from './publish-claim-results';

/** Most events one `POST /v1/events` takes. */
export const MAX_EVENTS_PER_REQUEST = 100;
/** How long a publisher holds an event id it claimed, milliseconds (longer than a request may run). */
export const PUBLISH_LEASE_MS = 60_000;
/** Time budget for retrying entries the bus refused, milliseconds. */
const PUBLISH_RETRY_BUDGET_MS = 10_000;
/** The schema in an event contract that validates payloads. */
export const EVENT_CONTRACT_SCHEMA = 'payload';

/** What publishing needs. */
export type PublishEventsDeps = {
  eventLog: EventLog;
  events: EventPublisher;
  /** Which tenant each `source` belongs to (the first to publish it). */
  sources: SourceClaims;
  contracts: Pick<ContractRepository, 'getVersion' | 'listVersionHeaders'>;
  compiled: CompiledContractCache;
  policyCache: ErrorPolicyCache;
  clock: Clock;
  /** How long the event log keeps events, days. */
  retentionDays: number;
  /** Largest PutEvents entry, bytes (EventBridge's quota; a setting). @default 1 MiB */
  maxEntryBytes?: number;
};

/** The outcome of one event of a publish request. */
export type EventResult =
  | { index: number; id: string; status: 'published'; eventBridgeId?: string }
  | { index: number; id: string; status: 'duplicate'; eventBridgeId?: string; publishedAt?: string }
  | {
      index: number;
      id?: string;
      /** `forbidden`: its `source` is another tenant's, or the framework's (`aif.*`). */
      status: 'rejected' | 'forbidden' | 'conflict' | 'failed';
      /** The HTTP status this event alone would get: 403, 409, 413, 422 or 503. */
      httpStatus: number;
      detail: string;
      errors?: FieldProblem[];
    };

/**
 * A whole publish request's outcome, in domain words: `published` when every event is on the bus
 * (or already was: `duplicate`), `partially-published` when some are and others were refused or
 * failed, `refused` when none is. `failedEntryCount` counts the events not on the bus (as PutEvents
 * reports `FailedEntryCount`); `results` has every event's result, in input order.
 */
export type PublishReport = {
  outcome: 'published' | 'partially-published' | 'refused';
  results: EventResult[];
  failedEntryCount: number;
};

const BodySchema = z.unknown().superRefine((body, ctx) => {
  if (Array.isArray(body)) {
    if (body.length === 0 || body.length > MAX_EVENTS_PER_REQUEST) {
      ctx.addIssue({
        code: 'custom',
        message: `a batch holds 1–${MAX_EVENTS_PER_REQUEST} events; this one has ${body.length}`,
      });
    }
  } else if (typeof body !== 'object' || body === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an event envelope (object) or an array of envelopes' });
  }
});

/**
 * Publishes one event or a batch (`POST /v1/events`) for the publisher's tenant.
 *
 * 1. Every event is validated (envelope; then its payload against its **event contract**: the
 *    contract the publisher's tenant registered under the event type's name, at the event's
 *    version, schema `payload` — another tenant's contracts never judge this tenant's events);
 *    entries EventBridge would refuse inside an HTTP 200 (detail-type too long, Detail not an
 *    object, entry over the size cap) are caught here. A refused event is not published at all.
 *    Each event is stamped with the publisher's tenant (`metadata["aif-tenant"]`, replacing any
 *    value sent): it travels for that tenant and reaches that tenant's subscriptions only.
 * 2. Each `source` must be the tenant's: `aif` and `aif.*` are the framework's, and any other
 *    source belongs to the first tenant that publishes it (claimed with one conditional write).
 *    An event of someone else's source is `forbidden` (403); the batch's other events go on.
 * 3. Each remaining id is claimed in the tenant's event log with one conditional write: an id
 *    already published by the tenant is a `duplicate` (not sent again); the same id with other
 *    content is a `conflict`. Ids are per tenant: another tenant's id is no duplicate.
 * 4. Claimed events go to the bus (PutEvents ≤ 10 entries per call); entries that fail
 *    retryably are re-sent — only those — with the error policies' backoff, within 10 s.
 * 5. The log records each event as published (with EventBridge's id) or failed (publishing the
 *    same id again retries it).
 *
 * @param body - the request body: one envelope, or an array of 1–100
 * @param owner - the publisher (`ownerOf(caller)`): its tenant owns the events, and its tenant's
 *   event contracts validate the payloads
 * @returns every event's result in input order, the count of events not on the bus, and the
 *   outcome: `published` (all on the bus, duplicates included), `partially-published`, or `refused`
 *   (none) — the events function answers 202, 207 and {@link publishFailure}'s problem
 * @throws {ValidationError} when the body is neither an envelope nor an array of 1–100
 * @throws {DependencyUnavailableError} when the event log is unavailable
 */
export async function publishEvents(deps: PublishEventsDeps, body: unknown, owner: Owner): Promise<PublishReport> {
  const parsedBody = BodySchema.safeParse(body);
  if (!parsedBody.success) {
    throw new ValidationError(
      `Send one event envelope or an array of 1–${MAX_EVENTS_PER_REQUEST}`,
      issueProblems(parsedBody.error.issues),
    );
  }
  const batch = Array.isArray(body);
  const raw: unknown[] = batch ? (body as unknown[]) : [body];
  const results: EventResult[] = new Array(raw.length);
  const accepted: Array<{ index: number; event: IntegrationEvent }> = [];
  const seenIds = new Map<string, number>();

  await Promise.all(
    raw.map(async (candidate, index) => {
      const prefix = batch ? `/${index}` : '';
      const parsed = IntegrationEventSchema.safeParse(candidate);
      if (!parsed.success) {
        results[index] = rejected(
          index,
          idOf(candidate),
          422,
          'The event envelope is invalid',
          issueProblems(parsed.error.issues, prefix),
        );
        return;
      }
      const event = withTenant(parsed.data, owner.tenant);
      const problems = await contractProblems(deps, owner.tenant, event, prefix);
      if (problems.length > 0) {
        results[index] = rejected(
          index,
          event.id,
          422,
          `The payload breaks the event contract ${event.type}`,
          problems,
        );
        return;
      }
      const prepared = preparePutEventsEntry(event, { maxEntryBytes: deps.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES });
      if ('problem' in prepared) {
        const tooLarge = prepared.problem.errorCode === 'EntryTooLarge';
        results[index] = rejected(index, event.id, tooLarge ? 413 : 422, prepared.problem.errorMessage, [
          { pointer: prefix || '/', message: prepared.problem.errorMessage, keyword: prepared.problem.errorCode },
        ]);
        return;
      }
      accepted.push({ index, event });
    }),
  );
  for (const { index, event } of [...accepted].sort((a, b) => a.index - b.index)) {
    const first = seenIds.get(event.id);
    if (first !== undefined) {
      results[index] = rejected(index, event.id, 422, `The id ${event.id} appears twice in this batch`, [
        { pointer: `/${index}/id`, message: `duplicates /${first}/id`, keyword: 'custom' },
      ]);
    } else seenIds.set(event.id, index);
  }
  // Validation finishes in any order; the bus gets events in input order.
  const unique = accepted.filter(({ index }) => results[index] === undefined).sort((a, b) => a.index - b.index);
  const owned = await checkSources(deps, unique, results, owner, batch);

  const toSend = await claimAll(deps, owned, results, batch, owner);
  await sendAll(deps, toSend, results, owner.tenant);
  const failedEntryCount = results.filter((r) => 'httpStatus' in r).length;
  const outcome =
    failedEntryCount === 0 ? 'published' : failedEntryCount === results.length ? 'refused' : 'partially-published';
  return { outcome, results, failedEntryCount };
}

function idOf(candidate: unknown): string | undefined {
  const id = (candidate as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

function rejected(
  index: number,
  id: string | undefined,
  httpStatus: number,
  detail: string,
  errors: FieldProblem[],
): EventResult {
  return {
    index,
    ...(id !== undefined && { id }),
    status: 'rejected',
    httpStatus,
    detail,
    errors: listedProblems(errors),
  };
}

/** Problems of the payload against the tenant's event contract; none when the tenant has no contract named like the type. */
async function contractProblems(
  deps: PublishEventsDeps,
  tenant: string,
  event: IntegrationEvent,
  prefix: string,
): Promise<FieldProblem[]> {
  const versions = await deps.contracts.listVersionHeaders(tenant, event.type);
  if (versions.length === 0) return [];
  const version = await deps.contracts.getVersion(tenant, event.type, coerceVersion(event.version) ?? event.version);
  if (!version) {
    return [
      {
        pointer: `${prefix}/version`,
        message: `the event contract ${event.type} has no version ${event.version} (registered: ${versions
          .map((v) => v.version)
          .join(', ')})`,
        keyword: 'contract',
      },
    ];
  }
  if (!Object.hasOwn(version.schemas, EVENT_CONTRACT_SCHEMA)) {
    return [
      {
        pointer: `${prefix}/type`,
        message: `the event contract ${event.type}@${version.version} has no schema "${EVENT_CONTRACT_SCHEMA}" to validate payloads with`,
        keyword: 'contract',
      },
    ];
  }
  return deps.compiled
    .get(version)
    .validateNamedSchema(EVENT_CONTRACT_SCHEMA, event.payload, `${prefix}/payload`)
    .map((issue) => ({ pointer: issue.instancePath, message: issue.message, keyword: issue.keyword }));
}

/**
 * Keeps the events whose `source` the tenant may publish: not the framework's (`aif`, `aif.*`),
 * and claimed by the tenant (one claim per distinct source, the first publisher wins). The others
 * get a `forbidden` result (403) naming the source; a claim that cannot be made now, `failed` (503).
 */
async function checkSources(
  deps: PublishEventsDeps,
  accepted: Array<{ index: number; event: IntegrationEvent }>,
  results: EventResult[],
  owner: Owner,
  batch: boolean,
): Promise<Array<{ index: number; event: IntegrationEvent }>> {
  const claims = new Map<string, Promise<boolean | DependencyUnavailableError>>();
  const claimOf = (source: string) => {
    let claim = claims.get(source);
    if (!claim) {
      claim = deps.sources.claim(source, owner).catch((error: unknown) => {
        if (error instanceof DependencyUnavailableError) return error;
        throw error;
      });
      claims.set(source, claim);
    }
    return claim;
  };
  const allowed = await Promise.all(
    accepted.map(async ({ index, event }) => {
      const reserved = isReservedSource(event.source);
      const claimed = reserved ? false : await claimOf(event.source);
      if (claimed === true) return true;
      if (claimed instanceof DependencyUnavailableError) {
        results[index] = { index, id: event.id, status: 'failed', httpStatus: 503, detail: claimed.message };
        return false;
      }
      const detail = reserved
        ? `The source ${event.source} is reserved for the framework (aif and aif.*)`
        : `The source ${event.source} belongs to another tenant`;
      results[index] = {
        index,
        id: event.id,
        status: 'forbidden',
        httpStatus: 403,
        detail,
        errors: [{ pointer: `${batch ? `/${index}` : ''}/source`, message: detail, keyword: 'owner' }],
      };
      return false;
    }),
  );
  return accepted.filter((_, i) => allowed[i]);
}

/** Claims every id in the log; fills the results of duplicates and conflicts, returns what to send. */
async function claimAll(
  deps: PublishEventsDeps,
  accepted: Array<{ index: number; event: IntegrationEvent }>,
  results: EventResult[],
  batch: boolean,
  owner: Owner,
): Promise<Array<{ index: number; event: IntegrationEvent }>> {
  const now = deps.clock.now();
  const expiresAt = Math.ceil(now.getTime() / 1000) + deps.retentionDays * 86_400;
  const claimed = await Promise.all(
    accepted.map(async ({ index, event }) => {
      const hash = contentHash(event);
      const outcome = await deps.eventLog
        .claim(
          {
            event,
            contentHash: hash,
            status: 'pending',
            receivedAt: now.toISOString(),
            leaseUntil: now.getTime() + PUBLISH_LEASE_MS,
            owner: { tenant: owner.tenant, principal: owner.principal },
          },
          expiresAt,
          now.getTime(),
        )
        .catch((error: unknown) => {
          // One event's claim failing must not strand the others: it gets its own outcome.
          results[index] = claimFailure(error, index, event, batch);
          return undefined;
        });
      if (outcome === undefined) return undefined;
      if (outcome.claimed) return { index, event };
      results[index] = claimRefusal(index, event, hash, outcome.existing);
      return undefined;
    }),
  );
  return claimed.filter((c): c is { index: number; event: IntegrationEvent } => c !== undefined);
}

/** Puts events on the bus, re-sending only entries that failed retryably, and records each outcome. */
async function sendAll(
  deps: PublishEventsDeps,
  toSend: Array<{ index: number; event: IntegrationEvent }>,
  results: EventResult[],
  tenant: string,
): Promise<void> {
  const overrides = await deps.policyCache.overrides();
  const deadline = deps.clock.now().getTime() + PUBLISH_RETRY_BUDGET_MS;
  let pending = toSend;
  let previousDelayMs: number | undefined;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const outcomes = await deps.events.publish(pending.map((p) => p.event));
    const retry: typeof pending = [];
    let delayMs = 0;
    await Promise.all(
      pending.map(async (item, i) => {
        const outcome = outcomes[i] as PublishOutcome;
        if (outcome.status === 'published') {
          await deps.eventLog.markPublished(
            tenant,
            item.event.id,
            deps.clock.now().toISOString(),
            outcome.eventBridgeId,
          );
          results[item.index] = {
            index: item.index,
            id: item.event.id,
            status: 'published',
            ...(outcome.eventBridgeId && { eventBridgeId: outcome.eventBridgeId }),
          };
          return;
        }
        const error = new IntegrationError(outcome.errorMessage, {
          code: outcome.errorCode,
          category: outcome.retryable ? 'transient' : 'permanent',
          source: 'bus:putevents',
          timestamp: nowMs(deps.clock),
        });
        const resolution = decide(error, attempt, resolvePolicy(overrides, error), {
          ...(previousDelayMs !== undefined && { previousDelayMs }),
        });
        if (resolution.action === 'retry' && deps.clock.now().getTime() + resolution.delayMs <= deadline) {
          retry.push(item);
          delayMs = Math.max(delayMs, resolution.delayMs);
          return;
        }
        await deps.eventLog.markFailed(tenant, item.event.id, {
          code: outcome.errorCode,
          message: outcome.errorMessage,
        });
        results[item.index] = {
          index: item.index,
          id: item.event.id,
          status: 'failed',
          // The entry's own fault is 422/413; anything else (throttling, a missing bus, missing
          // permissions) is ours, so a 5xx.
          httpStatus: ENTRY_FAULTS.has(outcome.errorCode) ? (outcome.errorCode === 'EntryTooLarge' ? 413 : 422) : 503,
          detail: `The bus refused the event: ${outcome.errorCode}: ${outcome.errorMessage}`,
        };
      }),
    );
    if (retry.length > 0) {
      await deps.clock.sleep(delayMs);
      previousDelayMs = delayMs;
    }
    pending = retry;
  }
}

/** PutEvents per-entry error codes that mean the entry itself is wrong (EventBridge PutEventsResultEntry). */
const ENTRY_FAULTS: ReadonlySet<string> = new Set([
  'InvalidArgument',
  'MalformedDetail',
  'EntryTooLarge',
  'NotAuthorizedForSourceException',
]);

/**
 * The error a `refused` publish request (no event on the bus) is answered with: the most urgent
 * failure among its events — unavailable (503, publish again) > forbidden (403, a source that is
 * not the caller's: `NotOwnerError`) > conflict (409) > too large (413) > invalid (422) — with every
 * field problem, and, as extensions, every event's outcome (`results`) and `failedEntryCount`.
 *
 * @example throw publishFailure(report); // 422 / 409 / 413 / 503 problem+json with results
 */
export function publishFailure(report: PublishReport): DomainError {
  const failed = report.results.filter((r) => 'httpStatus' in r);
  const detail = `${failed.length} of ${report.results.length} event(s) were not published; see results`;
  const problems = failed.flatMap((r) => ('errors' in r && r.errors ? r.errors : []));
  const options = { extensions: { results: report.results, failedEntryCount: report.failedEntryCount } };
  const statuses = new Set(failed.map((r) => r.httpStatus));
  switch ([503, 403, 409, 413].find((status) => statuses.has(status))) {
    case 503:
      return new DependencyUnavailableError(detail, 1, { ...options, problems });
    case 403:
      return new NotOwnerError(detail, problems, options);
    case 409:
      return new ConflictError(detail, problems, options);
    case 413:
      return new InputTooLargeError(detail, problems, options);
    default:
      return new ValidationError(detail, problems, options);
  }
}
