import type { Logger } from '@aws-lambda-powertools/logger';
import type { AuditRecord } from '../../domain/audit/audit-record';
import type { AuditTrail } from '../../ports/audit-trail';

/**
 * The audit trail as structured log lines (Powertools logger): one `Audit record` line per record,
 * the record under the `audit` key. It logs at INFO whatever the function's log level (a child
 * logger: the constructor's level wins over POWERTOOLS_LOG_LEVEL), unless that level is SILENT.
 *
 * @example new LoggerAuditTrail(observability.logger)
 */
export class LoggerAuditTrail implements AuditTrail {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    const silent = logger.getLevelName() === 'SILENT';
    this.logger = logger.createChild({ logLevel: silent ? 'SILENT' : 'INFO' });
  }

  async record(records: readonly AuditRecord[]): Promise<void> {
    for (const record of records) this.logger.info('Audit record', { audit: record });
  }
}
