import type { AuditRecord } from '../../domain/audit/audit-record';
import type { IntegrationEvent } from '../../domain/events/integration-event';
import type { AuditTrail } from '../../ports/audit-trail';
import type { EventPublisher } from '../../ports/event-publisher';

/** The `source` of audit events on the bus; the audit rule sends `source: ["aif.audit"]` to the audit log group. */
export const AUDIT_EVENT_SOURCE = 'aif.audit';
/** Their `detail-type`. */
export const AUDIT_EVENT_TYPE = 'audit.record';

/**
 * The audit trail as `aif.audit` events on the framework's bus (any EventPublisher: EventBridge in
 * AWS, where PutEvents takes at most 10 entries per call and the publisher splits accordingly; the
 * in-process bus locally). Each record is one event: id = the record's id, `type` `audit.record`,
 * `timestamp` its time, `payload` the record itself.
 *
 * @example new EventAuditTrail(eventBridgePublisher(config))
 */
export class EventAuditTrail implements AuditTrail {
  constructor(private readonly events: EventPublisher) {}

  /**
   * @throws {Error} naming the first failed entry's error code when any record is not on the bus
   */
  async record(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const outcomes = await this.events.publish(records.map(toAuditEvent));
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(
        `${failed.length} audit events were not published (${first?.status === 'failed' ? first.errorCode : ''})`,
      );
    }
  }
}

/** The bus event of one audit record. */
export function toAuditEvent(record: AuditRecord): IntegrationEvent {
  return {
    id: record.id,
    type: AUDIT_EVENT_TYPE,
    version: '1.0.0',
    source: AUDIT_EVENT_SOURCE,
    timestamp: Date.parse(record.time),
    payload: { ...record },
    metadata: {},
  };
}
