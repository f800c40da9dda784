import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventAuditTrail } from '../shared/adapters/audit/event-audit-trail';
import { FanOutAuditTrail } from '../shared/adapters/audit/fan-out-audit-trail';
import { DynamoDbAuditRepository } from '../shared/adapters/dynamodb/audit-repository';
import { EventBridgeEventPublisher } from '../shared/adapters/eventbridge/event-publisher';
import { type Config, requireSetting } from '../shared/config';
import type { AuditTrail } from '../shared/ports/audit-trail';

/**
 * The audit trail in AWS mode: the audit table (AUDIT_TABLE, TTL after AUDIT_RETENTION_DAYS) and
 * `aif.audit` events on the custom bus (EVENT_BUS_NAME; a rule sends them to the audit log group),
 * both written for every record. Its own module so the authorizer can load it on its first denial.
 *
 * @throws {Error} when AUDIT_TABLE or EVENT_BUS_NAME is missing — a deployment defect
 * @example const trail = awsAuditTrail(config, documentClient);
 */
export function awsAuditTrail(
  config: Config,
  documentClient: DynamoDBDocumentClient,
  eventBridge = new EventBridgeClient({}),
): AuditTrail {
  return new FanOutAuditTrail([
    new DynamoDbAuditRepository(documentClient, requireSetting(config, 'AUDIT_TABLE'), config.AUDIT_RETENTION_DAYS),
    new EventAuditTrail(new EventBridgeEventPublisher(eventBridge, requireSetting(config, 'EVENT_BUS_NAME'))),
  ]);
}

/**
 * The audit log (the audit table) the system function reads for `GET /v1/audit`.
 *
 * @throws {Error} when AUDIT_TABLE is missing
 */
export function awsAuditLog(config: Config, documentClient: DynamoDBDocumentClient): DynamoDbAuditRepository {
  return new DynamoDbAuditRepository(
    documentClient,
    requireSetting(config, 'AUDIT_TABLE'),
    config.AUDIT_RETENTION_DAYS,
  );
}
