import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { encode as encodeCbor } from 'cbor2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, decodeForm, decodeMsgpack } from '../../../../../shared/domain/contracts/media';

/** JSON values as JSON.parse yields them (no -0, which JSON text cannot tell from 0 after a round trip). */
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('media', () => {
  describe('decodeForm', () => {
    it('returns every field URLSearchParams encodes, repeated names as arrays in order', () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 20 }), (pairs) => {
          // Act
          const fields = decodeForm(new URLSearchParams(pairs).toString());

          // Assess
          const expected = new Map<string, string[]>();
          for (const [name, value] of pairs) expected.set(name, [...(expected.get(name) ?? []), value]);
          expect(Object.keys(fields).sort()).toEqual([...expected.keys()].sort());
          for (const [name, values] of expected) {
            expect(fields[name]).toEqual(values.length === 1 ? values[0] : values);
          }
        }),
      );
    });
  });

  describe('decodeMsgpack / decodeCbor', () => {
    it('give back every JSON value they were given', async () => {
      await fc.assert(
        fc.asyncProperty(jsonValue, async (value) => {
          expect(await decodeMsgpack(encodeMsgpack(value), '/body')).toEqual({ value });
          expect(await decodeCbor(encodeCbor(value), '/body')).toEqual({ value });
        }),
      );
    });
  });
});
