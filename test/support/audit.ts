import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { AUDIT_EVENT_SOURCE } from '../../shared/adapters/audit/event-audit-trail';
import type { AuditRecord } from '../../shared/domain/audit/audit-record';

// biome-ignore lint/suspicious/noExplicitAny: the stubs' input/output types are the clients' own
type Stub = AwsStub<any, any, any>;

/** The audit table's name in the handler tests (`handlerTestEnv`: `<id>-test`). */
export const AUDIT_TEST_TABLE = 'audit-test';

/**
 * The PutEvents calls of a test that are not the audit trail's (`aif.audit` entries only), so
 * tests of a function's own publishing count its own calls.
 */
export function busCalls(eventBridge: Stub) {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .filter(
      (call) => !(call.args[0].input.Entries ?? []).every((e: { Source?: string }) => e.Source === AUDIT_EVENT_SOURCE),
    );
}

/** The audit records written to the audit table through the mocked document client, in order. */
export function auditRecordsWritten(ddb: Stub): AuditRecord[] {
  return ddb
    .commandCalls(BatchWriteCommand)
    .flatMap((call) => call.args[0].input.RequestItems?.[AUDIT_TEST_TABLE] ?? [])
    .map((request: { PutRequest?: { Item?: unknown } }) => request.PutRequest?.Item as AuditRecord);
}

/** The audit records put on the bus through the mocked EventBridge client (`aif.audit` entries' payloads). */
export function auditEventsPublished(eventBridge: Stub): AuditRecord[] {
  return eventBridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .filter((entry: { Source?: string }) => entry.Source === AUDIT_EVENT_SOURCE)
    .map((entry: { Detail?: string }) => (JSON.parse(entry.Detail ?? '{}') as { payload: AuditRecord }).payload);
}
