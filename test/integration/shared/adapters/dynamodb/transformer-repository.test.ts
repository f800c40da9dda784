import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbContractRepository } from '../../../../../shared/adapters/dynamodb/contract-repository';
import { contractsTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { DynamoDbTransformerRepository } from '../../../../../shared/adapters/dynamodb/transformer-repository';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { sideKey, type TransformerVersion } from '../../../../../shared/domain/transformers/transformer';
import { storedVersion } from '../../../../support/contracts';
import { freshTable } from '../../../../support/dynamodb';

const A = 'tenant-a';
const B = 'tenant-b';
const V1 = { contract: 'orders', version: '1.0.0' };
const V2 = { contract: 'orders', version: '2.0.0' };

/** A stored transformer version of `tenant`'s. */
function transformer(tenant: string, name: string, version: string, extra: Partial<TransformerVersion> = {}) {
  return {
    name,
    version,
    language: 'jsonata',
    expression: '$',
    owner: { tenant, principal: `agent-${tenant}` },
    contentHash: `hash-${name}-${version}-${extra.expression ?? '$'}`,
    createdAt: '2026-11-30T00:00:00.000Z',
    ...extra,
  } as TransformerVersion;
}

describe('DynamoDbTransformerRepository (dynalite)', () => {
  let repository: DynamoDbTransformerRepository;
  let contracts: DynamoDbContractRepository;

  beforeAll(async () => {
    const { client, tableName } = await freshTable(contractsTable);
    repository = new DynamoDbTransformerRepository(client, tableName);
    contracts = new DynamoDbContractRepository(client, tableName);
  });

  describe('putVersion', () => {
    it('stores a version once and answers the stored one to a second put of the same key', async () => {
      // Prepare
      const first = transformer(A, 'idem', '1.0.0', { description: 'first' });

      // Act
      const created = await repository.putVersion(first);
      const again = await repository.putVersion(
        transformer(A, 'idem', '1.0.0', { description: 'second', expression: '1' }),
      );

      // Assess
      expect(created).toEqual({ created: true });
      expect(again).toEqual({ created: false, existing: first });
      expect(await repository.getVersion(A, 'idem', '1.0.0')).toEqual(first);
    });

    it('lets exactly one of 20 racing puts of one version win (one conditional write)', async () => {
      // Prepare
      const candidates = Array.from({ length: 20 }, (_, i) =>
        transformer(A, 'race', '1.0.0', { expression: String(i), contentHash: `h${i}` }),
      );

      // Act
      const results = await Promise.all(candidates.map((c) => repository.putVersion(c)));

      // Assess
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const stored = await repository.getVersion(A, 'race', '1.0.0');
      for (const loser of results.filter((r) => !r.created)) {
        expect(loser.created === false && loser.existing.contentHash).toBe(stored?.contentHash);
      }
    });

    it('shares the contracts table without touching contracts of the same name', async () => {
      // Prepare
      await contracts.putVersion(storedVersion({ name: 'shared-name' }, { tenant: A, principal: 'p' }));

      // Act
      await repository.putVersion(transformer(A, 'shared-name', '1.0.0'));

      // Assess
      expect((await contracts.getVersion(A, 'shared-name', '1.0.0'))?.name).toBe('shared-name');
      expect(await contracts.listVersionHeaders(A, 'shared-name')).toHaveLength(1);
      expect(await repository.listVersionHeaders(A, 'shared-name')).toHaveLength(1);
    });
  });

  describe('tenants', () => {
    it("never reads, finds, lists or deletes another tenant's transformers", async () => {
      // Prepare
      await repository.putVersion(transformer(A, 'upgrade', '1.0.0', { from: V1, to: V2 }));

      // Act
      const read = await repository.getVersion(B, 'upgrade', '1.0.0');
      const headers = await repository.listVersionHeaders(B, 'upgrade');
      const found = await repository.findByPath(B, sideKey(V1), sideKey(V2));
      const listed = await repository.listSummaries(B, 100);
      const deleted = await repository.deleteVersions(B, 'upgrade');

      // Assess
      expect([read, headers, found, listed.items, deleted]).toEqual([undefined, [], [], [], []]);
      expect(await repository.findByPath(A, sideKey(V1), sideKey(V2))).toEqual([
        expect.objectContaining({ name: 'upgrade', version: '1.0.0', from: V1, to: V2 }),
      ]);
    });

    it('refuses a listing cursor issued to another tenant', async () => {
      // Prepare
      await repository.putVersion(transformer(A, 'page-1', '1.0.0'));
      await repository.putVersion(transformer(A, 'page-2', '1.0.0'));
      const page = await repository.listSummaries(A, 1);

      // Act
      const reuse = repository.listSummaries(B, 1, page.nextCursor);

      // Assess
      expect(page.nextCursor).toBeDefined();
      await expect(reuse).rejects.toBeInstanceOf(MalformedInputError);
    });
  });

  describe('findByPath', () => {
    it('finds every version between two sides, across names, and nothing for the reverse direction', async () => {
      // Prepare
      const json = { mediaType: 'application/json' };
      const cbor = { mediaType: 'application/cbor' };
      await repository.putVersion(transformer(A, 'to-cbor', '1.0.0', { from: json, to: cbor }));
      await repository.putVersion(transformer(A, 'to-cbor', '1.1.0', { from: json, to: cbor }));

      // Act
      const found = await repository.findByPath(A, sideKey(json), sideKey(cbor));
      const reverse = await repository.findByPath(A, sideKey(cbor), sideKey(json));

      // Assess
      expect(found.map((h) => h.version).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(found[0]).not.toHaveProperty('expression');
      expect(reverse).toEqual([]);
    });
  });

  describe('deleteVersions', () => {
    it('deletes one version, then the rest, and the summary with the last', async () => {
      // Prepare
      await repository.putVersion(transformer(A, 'doomed', '1.0.0', { from: V1, to: V2 }));
      await repository.putVersion(transformer(A, 'doomed', '2.0.0'));
      const summary = async () => (await repository.listSummaries(A, 100)).items.find((s) => s.name === 'doomed');

      // Act
      const one = await repository.deleteVersions(A, 'doomed', '1.0.0');
      const afterOne = await summary();
      const missing = await repository.deleteVersions(A, 'doomed', '1.0.0');
      const rest = await repository.deleteVersions(A, 'doomed');

      // Assess
      expect(one).toEqual(['1.0.0']);
      expect(afterOne?.versionCount).toBe(1);
      expect(await repository.findByPath(A, sideKey(V1), sideKey(V2))).toEqual(
        expect.not.arrayContaining([expect.objectContaining({ name: 'doomed' })]),
      );
      expect(missing).toEqual([]);
      expect(rest).toEqual(['2.0.0']);
      expect(await summary()).toBeUndefined();
      expect(await repository.listVersionHeaders(A, 'doomed')).toEqual([]);
    });
  });
});
