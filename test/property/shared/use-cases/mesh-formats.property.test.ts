import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import { codecWireFormats } from '../../../../shared/http/codecs/wire-formats';
import { prepareFormats, shapeAnswer, shapeRequest } from '../../../../shared/use-cases/mesh-formats';

const deps = { formats: codecWireFormats(), maxBodyBytes: 1 << 20 };
const TYPES = ['application/json', 'application/msgpack', 'application/cbor'] as const;

// JSON values every format carries as they are (see binary-codecs.property.test.ts), and no integer
// beyond ±(2^53 − 1): conversion refuses those by pointer (tested in route-call-formats.test.ts).
const carried = fc.jsonValue().filter((value) => {
  let unsafe = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) unsafe = true;
    return v;
  });
  return !unsafe && !/\\ud[89a-f]/i.test(text) && !text.includes('"__proto__"');
});

const instance = (supportedFormats: string[]) => ({ instance: { id: 'i-1', supportedFormats } as ServiceInstance });

describe('mesh formats', () => {
  it("carries any JSON value from the caller's format to the instance's and its answer back to the caller's", async () => {
    await fc.assert(
      fc.asyncProperty(
        carried,
        fc.constantFrom(...TYPES),
        fc.constantFrom(...TYPES),
        async (value, callerType, instanceType) => {
          // Prepare
          const body = await deps.formats.encode(value, callerType);
          const call = { headers: { 'content-type': callerType, accept: callerType }, body };

          // Act: the request as the instance gets it, and the instance's answer (the same value) as the caller gets it
          const { formats } = await prepareFormats(deps, call, 'svc', [instance([instanceType])]);
          const headers: Record<string, string> = { ...call.headers };
          const sent = shapeRequest(formats, 'i-1', headers, body) as Buffer;
          const answered = await shapeAnswer(deps, formats, 'i-1', call, 'svc', {
            status: 200,
            headers: { 'content-type': instanceType },
            body: await deps.formats.encode(value, instanceType),
          });

          // Assess
          expect(headers['content-type']).toBe(instanceType);
          const atInstance = await deps.formats.transcode(sent, instanceType, 'application/json', '');
          expect(JSON.parse(atInstance.bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(value)));
          expect(answered.headers['content-type']).toBe(callerType);
          const atCaller = await deps.formats.transcode(answered.body, callerType, 'application/json', '');
          expect(JSON.parse(atCaller.bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(value)));
          if (callerType === instanceType) expect(sent.equals(body)).toBe(true);
        },
      ),
    );
  });
});
