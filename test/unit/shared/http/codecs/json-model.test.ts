import { Decoder, encode as msgpackEncode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../../shared/domain/errors';
import { decodeStrict } from '../../../../../shared/http/codecs/decode-strict';
import { jsonCodec } from '../../../../../shared/http/codecs/json-codec';
import { checkJsonModel, needsJsonModelCheck } from '../../../../../shared/http/codecs/json-model';
import { MAX_BODY_DEPTH } from '../../../../../shared/http/codecs/limits';
import { msgpackCodec } from '../../../../../shared/http/codecs/msgpack-codec';

// What a decode gives: the value, or the pointers and messages of its refusal.
type Outcome = { value: unknown } | { refused: Array<{ pointer: string; message: string }> };
const outcomeOf = async (decode: () => unknown): Promise<Outcome> => {
  try {
    return { value: await decode() };
  } catch (error) {
    if (!(error instanceof MalformedInputError)) throw error;
    return { refused: error.problems.map(({ pointer, message }) => ({ pointer, message })) };
  }
};

// Values a MessagePack body may carry: JSON's, plus what JSON's model refuses or maps.
const edgeNumber = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, -0, 2 ** 60);
const msgpackValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.double(),
    edgeNumber,
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n - 1n), -(2n ** 53n), 2n ** 64n - 1n),
    fc.uint8Array({ maxLength: 4 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('the codecs skip the JSON-model walk only when it could find nothing', () => {
  it('MessagePack: the structure walk lets a body through unchecked only when the full check agrees', async () => {
    // The library's own decode, checked in full, is the reference.
    const reference = new Decoder({ useBigInt64: true });
    await msgpackCodec.decode(Buffer.from(msgpackEncode(1))); // loads the library
    await fc.assert(
      fc.asyncProperty(msgpackValue, async (value) => {
        // Prepare
        const bytes = Buffer.from(msgpackEncode(value, { useBigInt64: true }));

        // Act
        const ours = await outcomeOf(() => decodeStrict(msgpackCodec, bytes));
        const full = await outcomeOf(() =>
          checkJsonModel(reference.decode(bytes), {
            strings: false,
            describe: (node) => ('type' in node ? `a MessagePack extension of type ${String(node.type)}` : undefined),
          }),
        );

        // Assess
        expect(ours).toEqual(full);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON: a body the lean walk passes is one the full check accepts unchanged', async () => {
    // JSON texts with numbers and strings JSON's model refuses mixed in.
    const risky = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.constantFrom('1e400', '-1e999', '9007199254740993', '12345678901234567890.5', '"\\ud800"', '"\\ud83d\\ude00"'),
    );
    const text = fc.array(risky, { maxLength: 6 }).map((items) => `{"items":[${items.join(',')}]}`);
    await fc.assert(
      fc.asyncProperty(text, async (body) => {
        // Act
        const ours = await outcomeOf(() => decodeStrict(jsonCodec, Buffer.from(body)));
        const full = await outcomeOf(() => checkJsonModel(JSON.parse(body), { strings: true }));

        // Assess: refused by the full check ⇒ refused by ours (ours also refuses unsafe integer
        // literals, which JSON.parse has rounded before the full check sees them)
        if ('refused' in full) expect(ours).toHaveProperty('refused');
        if ('value' in ours) expect(ours.value).toEqual(JSON.parse(body));
        if (!/\d{16}/.test(body)) expect(ours).toEqual(full);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON: the lean walk finds depth beyond the bound and unsafe numbers wherever they are', () => {
    // Prepare
    const deep = JSON.parse(`${'['.repeat(MAX_BODY_DEPTH + 1)}${']'.repeat(MAX_BODY_DEPTH + 1)}`);
    const atLimit = JSON.parse(`${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}`);

    // Act + Assess
    expect(needsJsonModelCheck(deep)).toBe(true);
    expect(needsJsonModelCheck(atLimit)).toBe(false);
    expect(needsJsonModelCheck({ a: [{ b: Number.POSITIVE_INFINITY }] })).toBe(true);
    expect(needsJsonModelCheck({ a: [1, { b: 2 ** 53 }] })).toBe(true);
    expect(needsJsonModelCheck({ a: [1.5, -3, 'x', null, true, { b: 2 ** 53 - 1 }] })).toBe(false);
    expect(needsJsonModelCheck(Number.NaN)).toBe(true);
  });

  it('names the pointer of each refused value below the caller prefix', async () => {
    // Act
    const outcome = await outcomeOf(() =>
      decodeStrict(jsonCodec, Buffer.from('{"a":[1,{"b~/":1e400}],"s":"\\udc00"}'), '/payload'),
    );

    // Assess
    expect(outcome).toEqual({
      refused: [
        { pointer: '/payload/a/1/b~0~1', message: 'Infinity has no JSON representation' },
        { pointer: '/payload/s', message: expect.stringMatching(/lone surrogate/) },
      ],
    });
  });
});
