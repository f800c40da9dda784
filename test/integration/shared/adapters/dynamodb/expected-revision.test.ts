import { describe, expect, it } from 'vitest';
import { DynamoDbErrorPolicyRepository } from '../../../../../shared/adapters/dynamodb/error-policy-repository';
import { DynamoDbServiceRegistry } from '../../../../../shared/adapters/dynamodb/service-registry';
import { errorsTable, meshTable } from '../../../../../shared/adapters/dynamodb/table-definitions';
import { RevisionMismatchError } from '../../../../../shared/domain/errors';
import type { ExpectedRevision } from '../../../../../shared/domain/expected-revision';
import { BUILT_IN_POLICIES } from '../../../../../shared/domain/resilience/policy';
import { expectedRevisionOf } from '../../../../../shared/http/conditional-request';
import { freshTable } from '../../../../support/dynamodb';

/** One conditional write under test: bring an item to revision 2, write it, read its revision. */
type Subject = {
  seed(id: string): Promise<void>;
  write(id: string, expected: ExpectedRevision): Promise<unknown>;
  revisionOf(id: string): Promise<number | undefined>;
  /** What a write that went through leaves: the next revision, or nothing (a delete). */
  after: 'next-revision' | 'gone';
};

const instance = (id: string) => ({
  id,
  name: 'orders',
  version: '1.0.0',
  endpoint: 'http://10.0.0.1',
  healthEndpoint: 'http://10.0.0.1/health',
  metadata: {},
  weight: 1,
  status: 'unknown' as const,
});
const policy = BUILT_IN_POLICIES.transient;
const OWNER = { tenant: 'acme', principal: 'agent-a' };

async function subjects(): Promise<Record<string, Subject>> {
  const mesh = await freshTable(meshTable);
  const errors = await freshTable(errorsTable);
  const registry = new DynamoDbServiceRegistry(mesh.client, mesh.tableName);
  const policies = new DynamoDbErrorPolicyRepository(errors.client, errors.tableName);
  const seedInstance = async (id: string) => {
    await registry.register(instance(id), OWNER, 't1');
    await registry.register(instance(id), OWNER, 't2');
  };
  const policyWrite = (at: string) => ({ at, by: { tenant: 'ops', principal: 'admin' } });
  const seedPolicy = async (id: string) => {
    await policies.put(id, policy, policyWrite('t1'));
    await policies.put(id, policy, policyWrite('t2'));
  };
  const instanceRevision = async (id: string) => (await registry.get(id))?.revision;
  const policyRevision = async (id: string) => (await policies.get(id))?.revision;
  return {
    'DynamoDbServiceRegistry.register': {
      seed: seedInstance,
      write: (id, expected) => registry.register(instance(id), OWNER, 't3', expected),
      revisionOf: instanceRevision,
      after: 'next-revision',
    },
    'DynamoDbServiceRegistry.deregister': {
      seed: seedInstance,
      write: (id, expected) => registry.deregister(id, expected),
      revisionOf: instanceRevision,
      after: 'gone',
    },
    'DynamoDbErrorPolicyRepository.put': {
      seed: seedPolicy,
      write: (id, expected) => policies.put(id, policy, policyWrite('t3'), expected),
      revisionOf: policyRevision,
      after: 'next-revision',
    },
    'DynamoDbErrorPolicyRepository.delete': {
      seed: seedPolicy,
      write: (id, expected) => policies.delete(id, policyWrite('t3'), expected),
      revisionOf: policyRevision,
      after: 'gone',
    },
  };
}

const all = await subjects();

// Every form of the conditional headers, read by the one parser, against an item at revision 2.
const ON_STORED: Array<[string, Record<string, string>, 'writes' | 'refuses']> = [
  ['If-Match: *', { 'if-match': '*' }, 'writes'],
  ['If-None-Match: *', { 'if-none-match': '*' }, 'refuses'],
  ['a list whose second tag matches', { 'if-match': '"4", "2"' }, 'writes'],
  ['a list with a weak tag of the revision', { 'if-match': '"4", W/"2"' }, 'refuses'],
  ['a list that matches nothing', { 'if-match': '"4", "1"' }, 'refuses'],
  ['no precondition', {}, 'writes'],
];

describe.each(Object.entries(all))('%s with an ExpectedRevision (dynalite)', (name, subject) => {
  describe('on a stored item at revision 2', () => {
    it.each(ON_STORED)('honours %s', async (form, headers, verdict) => {
      // Prepare
      const id = `${name}-stored-${form}`.replaceAll(/\W+/g, '-');
      await subject.seed(id);

      // Act
      const written = await subject.write(id, expectedRevisionOf(headers)).then(
        () => 'writes',
        (error: unknown) => (error instanceof RevisionMismatchError ? 'refuses' : error),
      );

      // Assess
      expect(written).toBe(verdict);
      const expectedAfter = verdict === 'refuses' ? 2 : subject.after === 'gone' ? undefined : 3;
      expect(await subject.revisionOf(id)).toBe(expectedAfter);
    });
  });

  describe('on an item never stored', () => {
    it.each([
      ['If-Match: *', { 'if-match': '*' }],
      ['a list', { 'if-match': '"1", "2"' }],
    ] as const)('refuses %s and stores nothing', async (form, headers) => {
      // Prepare
      const id = `${name}-ghost-${form}`.replaceAll(/\W+/g, '-');

      // Act
      const write = subject.write(id, expectedRevisionOf(headers));

      // Assess
      await expect(write).rejects.toBeInstanceOf(RevisionMismatchError);
      expect(await subject.revisionOf(id)).toBeUndefined();
    });

    it('lets If-None-Match: * through (a create, or nothing to delete)', async () => {
      // Act
      const id = `${name}-ghost-none-match`.replaceAll(/\W+/g, '-');
      const result = await subject.write(id, expectedRevisionOf({ 'if-none-match': '*' }));

      // Assess
      if (subject.after === 'gone') expect(result).toBe(false);
      else expect(await subject.revisionOf(id)).toBe(1);
    });
  });
});
