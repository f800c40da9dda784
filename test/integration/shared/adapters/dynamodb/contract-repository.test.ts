import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbContractRepository } from '../../../../../shared/adapters/dynamodb/contract-repository';
import { contractsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import type { Owner } from '../../../../../shared/domain/auth/owner';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { storedVersion } from '../../../../support/contracts';
import { freshTable } from '../../../../support/dynamodb';

const A = 'tenant-a';
const B = 'tenant-b';
const ownerA: Owner = { tenant: A, principal: 'agent-a' };
const ownerB: Owner = { tenant: B, principal: 'agent-b' };
const AT = new Date('2026-11-30T00:00:00Z');
/** A cursor as a client could forge one: base64url JSON of any key. */
const crafted = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('DynamoDbContractRepository (dynalite)', () => {
  let repository: DynamoDbContractRepository;
  let client: Awaited<ReturnType<typeof freshTable>>['client'];
  let tableName: string;

  beforeAll(async () => {
    ({ client, tableName } = await freshTable(contractsTable));
    repository = new DynamoDbContractRepository(client, tableName);
  });

  describe('putVersion', () => {
    it('lets exactly one of 20 racing registrations of one version win', async () => {
      // Prepare
      const candidates = Array.from({ length: 20 }, (_, i) =>
        storedVersion({ name: 'race', description: `candidate ${i}` }, ownerA),
      );

      // Act
      const results = await Promise.all(candidates.map((c) => repository.putVersion(c)));

      // Assess
      const winners = results.filter((r) => r.created);
      expect(winners).toHaveLength(1);
      const stored = await repository.getVersion(A, 'race', '1.0.0');
      const winnerIndex = results.findIndex((r) => r.created);
      expect(stored?.description).toBe(`candidate ${winnerIndex}`);
      for (const loser of results.filter((r) => !r.created)) {
        expect(loser.created === false && loser.existing.contentHash).toBe(stored?.contentHash);
      }
    });

    it('stores documents whose properties are DynamoDB reserved words', async () => {
      // Prepare
      const version = storedVersion(
        {
          name: 'reserved',
          schemas: {
            Status: {
              type: 'object',
              properties: { name: { type: 'string' }, status: {}, state: {}, ttl: { type: 'integer' }, size: {} },
            },
          },
          endpoints: [],
        },
        ownerA,
      );

      // Act
      await repository.putVersion(version);
      await repository.recordVersionAdded(A, 'reserved', '1.0.0', 'BACKWARD', AT);

      // Assess
      expect((await repository.getVersion(A, 'reserved', '1.0.0'))?.schemas).toEqual(version.schemas);
      expect(await repository.getSummary(A, 'reserved')).toEqual({
        name: 'reserved',
        compatibility: 'BACKWARD',
        versionCount: 1,
        updatedAt: '2026-11-30T00:00:00.000Z',
      });
    });

    it('keeps schemas nested deeper than DynamoDB allows for maps (32 levels)', async () => {
      // Prepare
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { child: deep } };
      const version = storedVersion({ name: 'deep', schemas: { Deep: deep }, endpoints: [] }, ownerA);

      // Act
      await repository.putVersion(version);

      // Assess
      expect((await repository.getVersion(A, 'deep', '1.0.0'))?.schemas.Deep).toEqual(deep);
    });

    it('keys the version by its owner’s tenant and records the owner', async () => {
      // Act
      await repository.putVersion(storedVersion({ name: 'keyed' }, { tenant: 'acme#1', principal: 'p' }));

      // Assess
      const out = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'CONTRACT#acme%231#keyed', sk: 'VERSION#1.0.0' } }),
      );
      expect(out.Item?.owner).toEqual({ tenant: 'acme#1', principal: 'p' });
      expect((await repository.getVersion('acme#1', 'keyed', '1.0.0'))?.owner).toEqual({
        tenant: 'acme#1',
        principal: 'p',
      });
    });
  });

  describe('two tenants', () => {
    it('keeps the same name in two tenants apart: versions, content, summaries, deprecation', async () => {
      // Prepare
      await repository.putVersion(storedVersion({ name: 'petstore', description: 'A’s' }, ownerA));
      await repository.recordVersionAdded(A, 'petstore', '1.0.0', 'FULL', AT);

      // Act
      const b = await repository.putVersion(storedVersion({ name: 'petstore', description: 'B’s' }, ownerB));
      await repository.recordVersionAdded(B, 'petstore', '1.0.0', 'NONE', AT);
      await repository.recordVersionAdded(B, 'petstore', '2.0.0', 'NONE', AT);
      await repository.deprecateVersion(B, 'petstore', '1.0.0', AT);

      // Assess
      expect(b.created).toBe(true);
      expect((await repository.getVersion(A, 'petstore', '1.0.0'))?.description).toBe('A’s');
      expect((await repository.getVersion(B, 'petstore', '1.0.0'))?.description).toBe('B’s');
      expect((await repository.getVersion(A, 'petstore', '1.0.0'))?.deprecated).toBe(false);
      expect(await repository.getSummary(A, 'petstore')).toMatchObject({ compatibility: 'FULL', versionCount: 1 });
      expect(await repository.getSummary(B, 'petstore')).toMatchObject({ compatibility: 'NONE', versionCount: 2 });
      expect(await repository.listVersionHeaders(A, 'petstore')).toEqual([
        expect.objectContaining({ version: '1.0.0', deprecated: false, owner: ownerA }),
      ]);
    });

    it('finds nothing of another tenant’s name: get, list versions, summary and deprecate', async () => {
      // Prepare
      await repository.putVersion(storedVersion({ name: 'only-a' }, ownerA));
      await repository.recordVersionAdded(A, 'only-a', '1.0.0', 'BACKWARD', AT);

      // Act / Assess
      expect(await repository.getVersion(B, 'only-a', '1.0.0')).toBeUndefined();
      expect(await repository.listVersionHeaders(B, 'only-a')).toEqual([]);
      expect(await repository.getSummary(B, 'only-a')).toBeUndefined();
      expect(await repository.deprecateVersion(B, 'only-a', '1.0.0', AT)).toBeUndefined();
      expect((await repository.getVersion(A, 'only-a', '1.0.0'))?.deprecated).toBe(false);
    });

    it('gives each tenant its own registration lease for the same name', async () => {
      // Act
      const a = await repository.acquireRegistrationLease(A, 'leased-both', 'holder-a', AT, 30_000);
      const b = await repository.acquireRegistrationLease(B, 'leased-both', 'holder-b', AT, 30_000);

      // Assess
      expect([a, b]).toEqual([true, true]);
    });
  });

  describe('recordVersionAdded', () => {
    it('counts each version once however often it is recorded', async () => {
      // Prepare
      const at = new Date('2026-11-30T01:00:00Z');

      // Act
      await Promise.all(
        ['1.0.0', '1.1.0', '1.0.0', '2.0.0', '1.1.0'].map((v) =>
          repository.recordVersionAdded(A, 'counted', v, 'FULL', at),
        ),
      );

      // Assess
      expect((await repository.getSummary(A, 'counted'))?.versionCount).toBe(3);
    });
  });

  describe('registration lease', () => {
    it('goes to exactly one of 10 racing holders and to nobody else until released or expired', async () => {
      // Prepare
      const now = new Date('2026-11-30T02:00:00Z');

      // Act
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          repository.acquireRegistrationLease(A, 'leased', `holder-${i}`, now, 30_000),
        ),
      );

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = `holder-${results.indexOf(true)}`;
      const later = (ms: number) => new Date(now.getTime() + ms);
      expect(await repository.acquireRegistrationLease(A, 'leased', 'late', later(29_000), 30_000)).toBe(false);
      await repository.releaseRegistrationLease(A, 'leased', 'not-the-holder');
      await repository.releaseRegistrationLease(B, 'leased', holder);
      expect(await repository.acquireRegistrationLease(A, 'leased', 'late', now, 30_000)).toBe(false);
      await repository.releaseRegistrationLease(A, 'leased', holder);
      expect(await repository.acquireRegistrationLease(A, 'leased', 'late', now, 30_000)).toBe(true);
      expect(await repository.acquireRegistrationLease(A, 'leased', 'later', later(31_000), 30_000)).toBe(true);
      expect(await repository.getSummary(A, 'leased')).toBeUndefined();
    });
  });

  describe('deprecateVersion', () => {
    it('marks the version deprecated and keeps the first deprecation time', async () => {
      // Prepare
      await repository.putVersion(storedVersion({ name: 'old' }, ownerA));

      // Act
      const first = await repository.deprecateVersion(A, 'old', '1.0.0', new Date('2026-01-01T00:00:00Z'));
      const second = await repository.deprecateVersion(A, 'old', '1.0.0', new Date('2026-02-01T00:00:00Z'));

      // Assess
      expect(first?.deprecated).toBe(true);
      expect(second?.deprecatedAt).toBe('2026-01-01T00:00:00.000Z');
      expect((await repository.listVersionHeaders(A, 'old'))[0]?.deprecated).toBe(true);
    });

    it('returns undefined for a version that does not exist', async () => {
      // Act / Assess
      expect(await repository.deprecateVersion(A, 'nobody', '1.0.0', AT)).toBeUndefined();
    });
  });

  describe('listSummaries', () => {
    it('pages through names in order with an opaque cursor', async () => {
      // Prepare
      const tenant = 'pager';
      for (const name of ['page-a', 'page-b', 'page-c']) {
        await repository.recordVersionAdded(tenant, name, '1.0.0', 'NONE', AT);
      }

      // Act
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repository.listSummaries(tenant, 2, cursor);
        expect(page.items.length).toBeLessThanOrEqual(2);
        names.push(...page.items.map((i) => i.name));
        cursor = page.nextCursor;
      } while (cursor);

      // Assess
      expect(names).toEqual(['page-a', 'page-b', 'page-c']);
    });

    it('lists only the tenant’s own names', async () => {
      // Prepare
      for (const name of ['x-1', 'x-shared'])
        await repository.recordVersionAdded('lister-a', name, '1.0.0', 'NONE', AT);
      for (const name of ['x-2', 'x-shared'])
        await repository.recordVersionAdded('lister-b', name, '1.0.0', 'NONE', AT);

      // Act
      const a = await repository.listSummaries('lister-a', 100);
      const b = await repository.listSummaries('lister-b', 100);
      const nobody = await repository.listSummaries('lister-c', 100);

      // Assess
      expect(a.items.map((i) => i.name)).toEqual(['x-1', 'x-shared']);
      expect(b.items.map((i) => i.name)).toEqual(['x-2', 'x-shared']);
      expect(nobody).toEqual({ items: [] });
    });

    it('refuses another tenant’s cursor, so it can never page through that tenant’s names', async () => {
      // Prepare
      for (const name of ['c-1', 'c-2', 'c-3'])
        await repository.recordVersionAdded('cursor-a', name, '1.0.0', 'NONE', AT);
      const first = await repository.listSummaries('cursor-a', 1);
      expect(first.nextCursor).toBeDefined();

      // Act / Assess
      await expect(repository.listSummaries('cursor-b', 1, first.nextCursor)).rejects.toBeInstanceOf(
        MalformedInputError,
      );
    });

    it('refuses forged cursors naming another tenant’s keys, in the index or in the table', async () => {
      // Prepare: B forges start keys reaching into A's partition, or mixing A's item into B's partition.
      const forged = [
        { pk: 'CONTRACT#cursor-a#c-1', sk: 'META', gsi1pk: 'CONTRACTS#cursor-a', gsi1sk: 'c-1' },
        { pk: 'CONTRACT#cursor-a#c-1', sk: 'META', gsi1pk: 'CONTRACTS#cursor-b', gsi1sk: 'c-1' },
        { pk: 'CONTRACT#cursor-b#c-1', sk: 'META', gsi1pk: 'CONTRACTS#cursor-b', gsi1sk: 'c-0' },
        { pk: 'CONTRACT#cursor-b#c-1', sk: 'VERSION#1.0.0', gsi1pk: 'CONTRACTS#cursor-b', gsi1sk: 'c-1' },
      ];

      // Act / Assess
      for (const key of forged) {
        await expect(repository.listSummaries('cursor-b', 1, crafted(key))).rejects.toBeInstanceOf(MalformedInputError);
      }
    });

    it('rejects a cursor it did not issue, including well-formed JSON with the wrong keys', async () => {
      // Act / Assess
      await expect(repository.listSummaries(A, 2, 'bm90LWEtY3Vyc29y')).rejects.toBeInstanceOf(MalformedInputError);
      await expect(repository.listSummaries(A, 2, crafted({}))).rejects.toBeInstanceOf(MalformedInputError);
      await expect(repository.listSummaries(A, 2, crafted({ pk: 'x' }))).rejects.toBeInstanceOf(MalformedInputError);
      await expect(
        repository.listSummaries(A, 2, crafted({ pk: 'CONTRACT#a', sk: 'META', gsi1pk: 'OTHER', gsi1sk: 'a' })),
      ).rejects.toBeInstanceOf(MalformedInputError);
    });
  });
});
