import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbAuditRepository } from '../../../../../shared/adapters/dynamodb/audit-repository';
import { auditTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import type { AuditRecord } from '../../../../../shared/domain/audit/audit-record';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { freshTable } from '../../../../support/dynamodb';
import { rejectionOf } from '../../../../support/rejection';

const START_MS = Date.parse('2026-11-30T10:00:00.000Z');

/** The n-th record: one minute after the previous, tenants and outcomes alternating. */
function record(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `a${String(n).padStart(3, '0')}`,
    time: new Date(START_MS + n * 60_000).toISOString(),
    requestId: `r${n}`,
    operationId: n % 3 === 0 ? 'deleteSubscription' : 'createSubscription',
    method: n % 3 === 0 ? 'DELETE' : 'POST',
    tenant: n % 2 === 0 ? 't1' : 't#2',
    principal: n % 4 === 0 ? 'agent-a' : 'agent-b',
    resourceType: 'subscriptions',
    status: n % 5 === 0 ? 403 : 201,
    outcome: n % 5 === 0 ? 'denied' : 'allowed',
    recordedBy: 'function',
    ...overrides,
  };
}

describe('DynamoDbAuditRepository (dynalite)', () => {
  let client: DynamoDBDocumentClient;
  let tableName: string;
  let audit: DynamoDbAuditRepository;
  const records = Array.from({ length: 30 }, (_, i) => record(i + 1));

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(auditTable));
    audit = new DynamoDbAuditRepository(client, tableName, 365);
    // 30 records plus an unauthenticated 401: two BatchWriteItem calls of ≤ 25.
    await audit.record([...records, record(31, { tenant: '', principal: '', status: 401, outcome: 'denied' })]);
  });

  /** Every page of a listing, following the cursor. */
  async function everyPage(query: Parameters<DynamoDbAuditRepository['list']>[0]) {
    const pages: AuditRecord[][] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.list({ ...query, ...(cursor && { cursor }) });
      pages.push(page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return pages;
  }

  describe('list', () => {
    it('pages through every record of every tenant, newest first', async () => {
      // Act
      const pages = await everyPage({ limit: 7 });

      // Assess
      expect(pages[0]).toHaveLength(7);
      expect(pages.flat().map((r) => r.id)).toEqual(
        Array.from({ length: 31 }, (_, i) => `a${String(31 - i).padStart(3, '0')}`),
      );
    });

    it('reads one tenant from its partition, its tenant percent-encoded in the key but kept as given', async () => {
      const items = (await everyPage({ tenant: 't#2', limit: 100 })).flat();

      expect(items).toHaveLength(15);
      expect(items.every((r) => r.tenant === 't#2')).toBe(true);
      expect(items[0]).toEqual(records[28]);
    });

    it('reads one principal of a tenant from its index', async () => {
      const items = (await everyPage({ tenant: 't1', principal: 'agent-a', limit: 100 })).flat();

      expect(items.map((r) => r.id)).toEqual(['a028', 'a024', 'a020', 'a016', 'a012', 'a008', 'a004']);
    });

    it('filters by outcome and operation id, and by principal without a tenant', async () => {
      // Act
      const denied = (await everyPage({ outcome: 'denied', limit: 100 })).flat();
      const deletes = (await everyPage({ tenant: 't1', operationId: 'deleteSubscription', limit: 100 })).flat();
      const agentA = (await everyPage({ principal: 'agent-a', limit: 100 })).flat();

      // Assess
      expect(denied.map((r) => r.id)).toEqual(['a031', 'a030', 'a025', 'a020', 'a015', 'a010', 'a005']);
      expect(deletes.map((r) => r.id)).toEqual(['a030', 'a024', 'a018', 'a012', 'a006']);
      expect(agentA).toHaveLength(7);
    });

    it('keeps to the from/to range, both inclusive', async () => {
      const items = (
        await everyPage({ from: records[9]?.time as string, to: records[11]?.time as string, limit: 100 })
      ).flat();

      expect(items.map((r) => r.id)).toEqual(['a012', 'a011', 'a010']);
    });

    it('rejects a cursor issued for another listing', async () => {
      // Prepare
      const { nextCursor } = await audit.list({ tenant: 't1', limit: 2 });

      // Act
      const error = await rejectionOf(audit.list({ limit: 2, ...(nextCursor && { cursor: nextCursor }) }));

      // Assess
      expect(error).toBeInstanceOf(MalformedInputError);
    });
  });

  describe('record', () => {
    it('sets the TTL attribute retention days after the record’s time, in epoch seconds', async () => {
      // Act
      const out = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'TENANT#t%232', sk: `${records[0]?.time}#a001` } }),
      );

      // Assess
      expect(out.Item?.expiresAt).toBe((START_MS + 60_000) / 1000 + 365 * 86_400);
      expect(auditTable.timeToLiveAttribute).toBe('expiresAt');
    });
  });
});
