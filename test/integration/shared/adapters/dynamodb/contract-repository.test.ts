import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbContractRepository } from '../../../../../shared/adapters/dynamodb/contract-repository';
import { contractsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { storedVersion } from '../../../../support/contracts';
import { freshTable } from '../../../../support/dynamodb';

describe('DynamoDbContractRepository (dynalite)', () => {
  let repository: DynamoDbContractRepository;

  beforeAll(async () => {
    const { client, tableName } = await freshTable(contractsTable);
    repository = new DynamoDbContractRepository(client, tableName);
  });

  describe('putVersion', () => {
    it('lets exactly one of 20 racing registrations of one version win', async () => {
      // Prepare
      const candidates = Array.from({ length: 20 }, (_, i) =>
        storedVersion({ name: 'race', description: `candidate ${i}` }),
      );

      // Act
      const results = await Promise.all(candidates.map((c) => repository.putVersion(c)));

      // Assess
      const winners = results.filter((r) => r.created);
      expect(winners).toHaveLength(1);
      const stored = await repository.getVersion('race', '1.0.0');
      const winnerIndex = results.findIndex((r) => r.created);
      expect(stored?.description).toBe(`candidate ${winnerIndex}`);
      for (const loser of results.filter((r) => !r.created)) {
        expect(loser.created === false && loser.existing.contentHash).toBe(stored?.contentHash);
      }
    });

    it('stores documents whose properties are DynamoDB reserved words', async () => {
      const version = storedVersion({
        name: 'reserved',
        schemas: {
          Status: {
            type: 'object',
            properties: { name: { type: 'string' }, status: {}, state: {}, ttl: { type: 'integer' }, size: {} },
          },
        },
        endpoints: [],
      });

      await repository.putVersion(version);
      await repository.recordVersionAdded('reserved', '1.0.0', 'BACKWARD', new Date('2026-11-30T00:00:00Z'));

      expect((await repository.getVersion('reserved', '1.0.0'))?.schemas).toEqual(version.schemas);
      expect(await repository.getSummary('reserved')).toEqual({
        name: 'reserved',
        compatibility: 'BACKWARD',
        versionCount: 1,
        updatedAt: '2026-11-30T00:00:00.000Z',
      });
    });

    it('keeps schemas nested deeper than DynamoDB allows for maps (32 levels)', async () => {
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { child: deep } };
      const version = storedVersion({ name: 'deep', schemas: { Deep: deep }, endpoints: [] });

      await repository.putVersion(version);

      expect((await repository.getVersion('deep', '1.0.0'))?.schemas.Deep).toEqual(deep);
    });
  });

  describe('recordVersionAdded', () => {
    it('counts each version once however often it is recorded', async () => {
      const at = new Date('2026-11-30T01:00:00Z');
      await Promise.all(
        ['1.0.0', '1.1.0', '1.0.0', '2.0.0', '1.1.0'].map((v) =>
          repository.recordVersionAdded('counted', v, 'FULL', at),
        ),
      );

      expect((await repository.getSummary('counted'))?.versionCount).toBe(3);
    });
  });

  describe('registration lease', () => {
    it('goes to exactly one of 10 racing owners and to nobody else until released or expired', async () => {
      const now = new Date('2026-11-30T02:00:00Z');

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => repository.acquireRegistrationLease('leased', `owner-${i}`, now, 30_000)),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = `owner-${results.indexOf(true)}`;
      expect(
        await repository.acquireRegistrationLease('leased', 'late', new Date(now.getTime() + 29_000), 30_000),
      ).toBe(false);
      await repository.releaseRegistrationLease('leased', 'not-the-holder');
      expect(await repository.acquireRegistrationLease('leased', 'late', now, 30_000)).toBe(false);
      await repository.releaseRegistrationLease('leased', holder);
      expect(await repository.acquireRegistrationLease('leased', 'late', now, 30_000)).toBe(true);
      expect(
        await repository.acquireRegistrationLease('leased', 'later', new Date(now.getTime() + 31_000), 30_000),
      ).toBe(true);
      expect(await repository.getSummary('leased')).toBeUndefined();
    });
  });

  describe('deprecateVersion', () => {
    it('marks the version deprecated and keeps the first deprecation time', async () => {
      await repository.putVersion(storedVersion({ name: 'old' }));

      const first = await repository.deprecateVersion('old', '1.0.0', new Date('2026-01-01T00:00:00Z'));
      const second = await repository.deprecateVersion('old', '1.0.0', new Date('2026-02-01T00:00:00Z'));

      expect(first?.deprecated).toBe(true);
      expect(second?.deprecatedAt).toBe('2026-01-01T00:00:00.000Z');
      expect((await repository.listVersionHeaders('old'))[0]?.deprecated).toBe(true);
    });

    it('returns undefined for a version that does not exist', async () => {
      expect(await repository.deprecateVersion('nobody', '1.0.0', new Date())).toBeUndefined();
    });
  });

  describe('listSummaries', () => {
    it('pages through names in order with an opaque cursor', async () => {
      const at = new Date('2026-11-30T00:00:00Z');
      for (const name of ['page-a', 'page-b', 'page-c']) await repository.recordVersionAdded(name, '1.0.0', 'NONE', at);

      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await repository.listSummaries(2, cursor);
        expect(page.items.length).toBeLessThanOrEqual(2);
        names.push(...page.items.map((i) => i.name));
        cursor = page.nextCursor;
      } while (cursor);

      expect(names.filter((n) => n.startsWith('page-'))).toEqual(['page-a', 'page-b', 'page-c']);
      expect(names).toEqual([...names].sort());
    });

    it('rejects a cursor it did not issue, including well-formed JSON with the wrong keys', async () => {
      const crafted = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
      await expect(repository.listSummaries(2, 'bm90LWEtY3Vyc29y')).rejects.toBeInstanceOf(MalformedInputError);
      await expect(repository.listSummaries(2, crafted({}))).rejects.toBeInstanceOf(MalformedInputError);
      await expect(repository.listSummaries(2, crafted({ pk: 'x' }))).rejects.toBeInstanceOf(MalformedInputError);
      await expect(
        repository.listSummaries(2, crafted({ pk: 'CONTRACT#a', sk: 'META', gsi1pk: 'OTHER', gsi1sk: 'a' })),
      ).rejects.toBeInstanceOf(MalformedInputError);
    });
  });
});
