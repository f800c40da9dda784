import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborCodec } from '../../../../../shared/http/codecs/cbor-codec';
import { msgpackCodec } from '../../../../../shared/http/codecs/msgpack-codec';

const codecs = [msgpackCodec, cborCodec];

// JSON values both formats carry as they are: no lone surrogate (answered as U+FFFD, tested in the
// unit tests) and no `__proto__` key (refused by the MessagePack decoder).
const carried = fc.jsonValue().filter((value) => {
  const text = JSON.stringify(value);
  return !/\\ud[89a-f]/i.test(text) && !text.includes('"__proto__"');
});

describe.each(codecs)('$label codec', (codec) => {
  it('decodes what it encodes to the JSON value (as JSON.stringify would answer it)', async () => {
    await fc.assert(
      fc.asyncProperty(carried, async (value) => {
        // Act
        const decoded = await codec.decode((await codec.encode(value)) as Buffer);

        // Assess
        expect(decoded).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('answers arbitrary bytes with a value, a plain Error (bad bytes) or a MalformedInputError (values JSON cannot hold), never an engine RangeError or TypeError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        // Act
        const outcome = await Promise.resolve()
          .then(() => codec.decode(Buffer.from(bytes)))
          .then(
            () => 'value',
            (error: unknown) => (error as Error).constructor.name,
          );

        // Assess
        expect(['value', 'Error', 'MalformedInputError']).toContain(outcome);
      }),
    );
  });
});
