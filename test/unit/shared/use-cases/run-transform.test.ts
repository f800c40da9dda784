import { encode as cborEncode } from 'cbor2';
import { beforeEach, describe, expect, it } from 'vitest';
import { transformerDeps } from '../../../../functions/contracts/wiring';
import type { Owner } from '../../../../shared/domain/auth/owner';
import { InvalidMappingError, TransformStepFailedError } from '../../../../shared/domain/transformers/errors';
import { runTransform } from '../../../../shared/use-cases/run-transform';
import { registerTransformer, type TransformerDeps } from '../../../../shared/use-cases/transformers';
import { fixedClock } from '../../../support/clock';
import { rejectionOf as rejection } from '../../../support/rejection';
import { InMemoryTransformerRepository } from '../../../support/transformers';

const owner: Owner = { tenant: 'acme', principal: 'agent-1' };
const JSON_TYPE = { mediaType: 'application/json' };

describe('runTransform', () => {
  let deps: TransformerDeps;
  const register = (name: string, expression: string, extra: object = {}) =>
    registerTransformer(deps, { name, body: { version: '1.0.0', expression, ...extra }, owner });
  const mapJson = (transformer: string, body: unknown) =>
    runTransform(deps, { tenant: 'acme', from: JSON_TYPE, to: JSON_TYPE, pipeline: [{ transformer }], body });

  beforeEach(() => {
    deps = transformerDeps(new InMemoryTransformerRepository(), fixedClock('2026-11-30T10:00:00Z'), 1024);
  });

  it('answers "the mapping produced no value" (422) when the expression matches nothing', async () => {
    // Prepare
    await register('pick', 'customer.name');

    // Act
    const error = await rejection(mapJson('pick', { id: 1 }));

    // Assess
    expect(error).toBeInstanceOf(TransformStepFailedError);
    expect((error as TransformStepFailedError).message).toMatch(
      /step 1 \(pick@1\.0\.0\): the mapping produced no value/,
    );
    expect((error as TransformStepFailedError).extensions.step).toMatchObject({ code: 'no-value' });
  });

  it.each([
    ['a function', 'function($x){ $x }', /the result at \/: a function has no JSON representation/],
    ['Infinity', '{ "ratio": 1/0 }', /the result at \/ratio: Infinity has no JSON representation/],
  ])('refuses a result holding %s with its pointer instead of encoding it as null', async (_, expression, message) => {
    // Prepare
    await register('odd', expression);

    // Act
    const error = (await rejection(mapJson('odd', {}))) as TransformStepFailedError;

    // Assess
    expect(error).toBeInstanceOf(TransformStepFailedError);
    expect(error.problems[0]?.message).toMatch(message);
  });

  it('refuses a result larger than the body limit', async () => {
    // Prepare: the limit is 1024 bytes here
    await register('big', '[1..1000]');

    // Act
    const error = (await rejection(mapJson('big', {}))) as TransformStepFailedError;

    // Assess
    expect(error.extensions.step).toMatchObject({ code: 'too-large' });
    expect(error.message).toMatch(/the result is \d+ bytes as JSON; at most 1024/);
  });

  it('answers the plain array of a JSONata sequence', async () => {
    // Prepare
    await register('ids', 'items.id');

    // Act
    const result = await mapJson('ids', { items: [{ id: 'a' }, { id: 'b' }] });

    // Assess
    expect(result.body).toEqual(['a', 'b']);
    expect(Object.keys(result.body as object)).toEqual(['0', '1']);
  });

  it('fails the decode step naming the pointer of a CBOR value JSON cannot hold', async () => {
    // Act
    const error = (await rejection(
      runTransform(deps, {
        tenant: 'acme',
        from: { mediaType: 'application/cbor' },
        to: JSON_TYPE,
        bodyBase64: Buffer.from(cborEncode({ n: Number.NaN })).toString('base64'),
      }),
    )) as TransformStepFailedError;

    // Assess
    expect(error).toBeInstanceOf(TransformStepFailedError);
    expect(error.extensions.step).toMatchObject({ index: 0, kind: 'decode', mediaType: 'application/cbor' });
    expect(error.problems).toEqual([expect.objectContaining({ pointer: '/body/n' })]);
  });

  it('uses a transformer registered between two media types as the direct path, and only in that tenant', async () => {
    // Prepare
    await register('json-to-yaml', '{ "wrapped": $ }', {
      from: { mediaType: 'application/json' },
      to: { mediaType: 'application/yaml' },
    });
    const input = { from: JSON_TYPE, to: { mediaType: 'application/yaml' }, body: { a: 1 } };

    // Act
    const own = await runTransform(deps, { ...input, tenant: 'acme' });
    const other = await runTransform(deps, { ...input, tenant: 'globex' });

    // Assess
    expect(own.body).toBe('wrapped:\n  a: 1\n');
    expect(other.body).toBe('a: 1\n');
  });

  it('rejects a transformer whose expression does not compile, at /expression', async () => {
    // Act
    const error = (await rejection(register('bad', '$map(['))) as InvalidMappingError;

    // Assess
    expect(error).toBeInstanceOf(InvalidMappingError);
    expect(error.problems).toEqual([
      expect.objectContaining({ pointer: '/expression', keyword: expect.stringMatching(/^S0/) }),
    ]);
  });
});
