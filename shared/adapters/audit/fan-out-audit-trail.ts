import type { AuditRecord } from '../../domain/audit/audit-record';
import type { AuditTrail } from '../../ports/audit-trail';

/** One destination's failure, reported by {@link FanOutAuditTrail}. */
export class AuditTrailError extends Error {
  constructor(
    message: string,
    /** What each failing destination threw. */
    readonly causes: readonly unknown[],
  ) {
    super(message);
    this.name = 'AuditTrailError';
  }
}

/**
 * Records to several destinations at once (the table and the bus in AWS; the log, the table and
 * the in-process bus locally). Every destination is tried even when another fails, so one outage
 * never loses a record everywhere.
 *
 * @example new FanOutAuditTrail([new DynamoDbAuditRepository(client, table, 365), new EventAuditTrail(bus)])
 */
export class FanOutAuditTrail implements AuditTrail {
  constructor(private readonly trails: readonly AuditTrail[]) {}

  /** @throws {AuditTrailError} when any destination failed (after all were tried) */
  async record(records: readonly AuditRecord[]): Promise<void> {
    const settled = await Promise.allSettled(this.trails.map((trail) => trail.record(records)));
    const causes = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (causes.length > 0) {
      const detail = causes.map((c) => (c instanceof Error ? c.message : String(c))).join('; ');
      throw new AuditTrailError(
        `${causes.length} of ${this.trails.length} audit destinations failed: ${detail}`,
        causes,
      );
    }
  }
}
