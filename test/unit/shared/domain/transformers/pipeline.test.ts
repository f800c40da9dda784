import { describe, expect, it } from 'vitest';
import { NoTransformerError, TransformStepFailedError } from '../../../../../shared/domain/transformers/errors';
import {
  chooseDirectPath,
  directPathPairs,
  latestVersion,
  stepFailed,
} from '../../../../../shared/domain/transformers/pipeline';
import {
  MAX_EXPRESSION_BYTES,
  TransformerDocumentSchema,
  type TransformerVersionHeader,
} from '../../../../../shared/domain/transformers/transformer';

const header = (name: string, version: string): TransformerVersionHeader => ({
  name,
  version,
  contentHash: 'h',
  createdAt: '2026-11-30T00:00:00.000Z',
  owner: { tenant: 't', principal: 'p' },
});
const pair = { from: { mediaType: 'application/json' }, to: { mediaType: 'application/cbor' } };

describe('transformer pipeline planning', () => {
  describe('directPathPairs', () => {
    it('tries contract to contract before media type to media type', () => {
      // Act
      const pairs = directPathPairs(
        { mediaType: 'application/json', contract: 'orders', version: '1.0.0' },
        { mediaType: 'application/cbor', contract: 'orders', version: '2.0.0' },
      );

      // Assess
      expect(pairs).toEqual([
        { from: { contract: 'orders', version: '1.0.0' }, to: { contract: 'orders', version: '2.0.0' } },
        pair,
      ]);
    });
  });

  describe('latestVersion', () => {
    it('picks the highest release by semver precedence, not string order', () => {
      expect(latestVersion([header('a', '1.9.0'), header('a', '1.10.0'), header('a', '2.0.0-rc.1')])?.version).toBe(
        '1.10.0',
      );
    });

    it('falls back to the highest prerelease when nothing is released', () => {
      expect(latestVersion([header('a', '1.0.0-alpha'), header('a', '1.0.0-beta')])?.version).toBe('1.0.0-beta');
    });
  });

  describe('chooseDirectPath', () => {
    it('chooses the latest version of the one name registered for the pair', () => {
      expect(chooseDirectPath([header('a', '1.0.0'), header('a', '1.2.0')], pair)?.version).toBe('1.2.0');
    });

    it('answers undefined when nothing is registered', () => {
      expect(chooseDirectPath([], pair)).toBeUndefined();
    });

    it('rejects a pair that transformers of two names map, naming both', () => {
      // Act
      const choose = () => chooseDirectPath([header('b', '1.0.0'), header('a', '1.0.0')], pair);

      // Assess
      expect(choose).toThrow(NoTransformerError);
      expect(choose).toThrow(/transformers a, b all map application\/json to application\/cbor/);
    });
  });

  describe('stepFailed', () => {
    it('names the step, the transformer and the engine error with its position', () => {
      // Act
      const error = stepFailed(
        { index: 2, kind: 'map', transformer: 'm', version: '1.0.0' },
        { message: 'The left side of the + operator must evaluate to a number', code: 'T2001', position: 6 },
        '/pipeline/1',
      );

      // Assess
      expect(error).toBeInstanceOf(TransformStepFailedError);
      expect(error.message).toBe(
        'Transformation failed at step 2 (m@1.0.0): The left side of the + operator must evaluate to a number at character 6',
      );
      expect(error.extensions.step).toEqual({
        index: 2,
        kind: 'map',
        transformer: 'm',
        version: '1.0.0',
        code: 'T2001',
        position: 6,
      });
      expect(error.problems).toEqual([expect.objectContaining({ pointer: '/pipeline/1', keyword: 'T2001' })]);
    });
  });
});

describe('TransformerDocumentSchema', () => {
  const valid = { name: 'm', version: '1.0.0', expression: '$' };

  it('normalizes a media type side and defaults the language', () => {
    // Act
    const parsed = TransformerDocumentSchema.parse({
      ...valid,
      from: { mediaType: 'Application/CBOR; x=1' },
      to: { contract: 'orders', version: 'v2.0.0' },
    });

    // Assess
    expect(parsed).toMatchObject({
      language: 'jsonata',
      from: { mediaType: 'application/cbor' },
      to: { version: '2.0.0' },
    });
  });

  it('rejects a side with both a contract and a media type, a contract without version, and a lone side', () => {
    // Act
    const result = TransformerDocumentSchema.safeParse({
      ...valid,
      from: { contract: 'orders', mediaType: 'application/json' },
      to: { contract: 'orders' },
    });
    const lone = TransformerDocumentSchema.safeParse({ ...valid, from: { mediaType: 'application/json' } });

    // Assess
    expect(result.error?.issues.map((issue) => issue.path.join('/')).sort()).toEqual([
      'from/mediaType',
      'from/version',
      'to/version',
    ]);
    expect(lone.error?.issues.map((issue) => issue.path.join('/'))).toEqual(['to']);
  });

  it('rejects an expression longer than 16 KiB', () => {
    // Act
    const result = TransformerDocumentSchema.safeParse({
      ...valid,
      expression: `"${'x'.repeat(MAX_EXPRESSION_BYTES)}"`,
    });

    // Assess
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['expression'] })]);
  });
});
