import { describe, expect, it } from 'vitest';
import { jsonCodec } from '../../../../../shared/http/codecs/json-codec';
import { codecRegistry } from '../../../../../shared/http/codecs/registry';
import { yamlCodec } from '../../../../../shared/http/codecs/yaml-codec';
import type { RouteDefinition } from '../../../../../shared/http/route-definition';
import { httpApi } from '../../../../../shared/middleware/http-api';
import { createObservability } from '../../../../../shared/observability/powertools';
import { apiEvent, lambdaContext } from '../../../../support/events';
import '../../../../support/handler-env';
import { ECHO_DOCUMENT_ROUTE } from '../../../../support/pipeline-routes';

// `{"a":"p\xE9t"}`: Latin-1 é, not UTF-8.
const latin1Json = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x70, 0xe9, 0x74, 0x22, 0x7d]);

const routes: RouteDefinition[] = [
  ECHO_DOCUMENT_ROUTE,
  {
    operationId: 'getThing',
    method: 'GET',
    path: '/v1/thing',
    function: 'test',
    summary: 'A thing, JSON only',
    tags: [],
    scopes: [],
    responses: { 200: { description: 'The thing' } },
  },
];
const handler = httpApi(
  routes,
  {
    echoDocument: async ({ body }) => ({ status: 200, body }),
    getThing: async () => ({ status: 200, body: { id: 'abc' } }),
  },
  {},
  { observability: createObservability('test'), maxBodyBytes: 4096 },
);
const post = (bytes: Buffer, contentType: string) => {
  const event = apiEvent({
    method: 'POST',
    path: '/v1/documents',
    rawBody: bytes.toString('base64'),
    headers: { 'Content-Type': contentType },
  });
  event.isBase64Encoded = true;
  return handler(event, lambdaContext);
};

describe('jsonCodec', () => {
  describe('decode', () => {
    it('rejects bytes that are not UTF-8 instead of replacing them', () => {
      // Act
      const decode = () => jsonCodec.decode(latin1Json);

      // Assess
      expect(decode).toThrow(/not valid UTF-8/);
    });

    it('reads UTF-8 text', () => {
      // Act
      const value = jsonCodec.decode(Buffer.from('{"a":"pét"}', 'utf8'));

      // Assess
      expect(value).toEqual({ a: 'pét' });
    });
  });
});

describe('yamlCodec', () => {
  describe('decode', () => {
    it('rejects bytes that are not UTF-8 instead of replacing them', () => {
      // Prepare
      const latin1Yaml = Buffer.from([0x61, 0x3a, 0x20, 0x70, 0xe9, 0x74, 0x0a]); // a: p\xE9t

      // Act
      const decode = () => yamlCodec.decode(latin1Yaml);

      // Assess
      expect(decode).toThrow(/not valid UTF-8/);
    });
  });
});

describe('decodeBody', () => {
  describe('POST with a body', () => {
    it('rejects a body that is not UTF-8 with 400 problem+json', async () => {
      // Act
      const result = await post(latin1Json, 'application/json');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(result.body)).toMatchObject({
        status: 400,
        detail: 'The body is not valid JSON: the bytes are not valid UTF-8',
        errors: [{ pointer: '/body' }],
      });
    });

    it('rejects YAML values JSON cannot represent with 400, naming each by its pointer', async () => {
      // Prepare: .inf and .nan would be stored as null, !!set as {}, !!binary as an object of bytes
      const yaml = 'max: .inf\nlimits: [1, -.inf, .nan]\ntags: !!set {a, b}\nlogo: !!binary aGk=\n"a/b~c": .nan\n';

      // Act
      const result = await post(Buffer.from(yaml), 'application/yaml');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      const problem = JSON.parse(result.body) as { detail: string; errors: Array<{ pointer: string; detail: string }> };
      expect(problem.detail).toMatch(/^The body holds 6 value\(s\) that JSON cannot represent/);
      expect(problem.errors.map((error) => error.pointer).sort()).toEqual([
        '/a~1b~0c',
        '/limits/1',
        '/limits/2',
        '/logo',
        '/max',
        '/tags',
      ]);
      expect(problem.errors.find((error) => error.pointer === '/tags')?.detail).toBe('a YAML !!set is not read here');
    });

    it('rejects lone surrogates in JSON strings and keys with their pointers, rather than answering U+FFFD', async () => {
      // Act
      const result = await post(
        Buffer.from('{"s":"\\ud800","list":["ok","\\udfff x"],"\\ud83d":1,"pair":"\\ud83d\\ude00"}'),
        'application/json',
      );

      // Assess
      expect(result.statusCode).toBe(400);
      const problem = JSON.parse(result.body) as { errors: Array<{ pointer: string; detail: string }> };
      expect(problem.errors.map((error) => error.pointer).sort()).toEqual(['/list/1', '/s', '/\ud83d']);
      expect(problem.errors[0]?.detail).toMatch(/lone surrogate/);
    });

    it('reads YAML integers exactly, refusing those beyond ±(2^53 − 1) instead of rounding them', async () => {
      // Act
      const fine = await post(Buffer.from('id: 9007199254740991\nneg: -42\n'), 'application/yaml');
      const beyond = await post(Buffer.from('ids: [1, 9007199254740993]\n'), 'application/yaml');

      // Assess
      expect(JSON.parse(fine.body)).toEqual({ id: 9007199254740991, neg: -42 });
      expect(beyond.statusCode).toBe(400);
      const problem = JSON.parse(beyond.body) as { errors: Array<{ pointer: string; detail: string }> };
      expect(problem.errors).toEqual([
        expect.objectContaining({ pointer: '/ids/1', detail: expect.stringMatching(/9007199254740993 is beyond/) }),
      ]);
    });

    it('rejects a JSON number beyond the float range (JSON.parse makes it Infinity) with 400', async () => {
      // Act
      const result = await post(Buffer.from('{"schema":{"maximum":1e400}}'), 'application/json');

      // Assess
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body).errors).toEqual([
        { pointer: '/schema/maximum', detail: 'Infinity has no JSON representation', keyword: 'jsonValue' },
      ]);
    });

    it('rejects two Content-Type headers with 415 instead of reading one of them', async () => {
      // Prepare: API Gateway joins the repeated header's values; the last one ends in +json
      const event = apiEvent({
        method: 'POST',
        path: '/v1/documents',
        rawBody: '{"a":1}',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      event.multiValueHeaders = { 'Content-Type': ['application/yaml', 'application/vnd.api+json'] };

      // Act
      const result = await handler(event, lambdaContext);

      // Assess
      expect(result.statusCode).toBe(415);
      expect(JSON.parse(result.body).detail).toBe(
        'Content-Type "application/yaml, application/vnd.api+json" is not one media type; send one of application/json, application/msgpack, application/cbor, application/x-protobuf, application/yaml',
      );
    });

    it('rejects a charset other than UTF-8 written with spaces around "=" with 415', async () => {
      // Act
      const result = await post(Buffer.from('{"a":"p\u00e9t"}', 'latin1'), 'application/json; charset = iso-8859-1');

      // Assess
      expect(result.statusCode).toBe(415);
      expect(JSON.parse(result.body).detail).toBe('charset=iso-8859-1 is not accepted; send the body as UTF-8');
    });

    it('accepts every JSON value, __proto__ as a plain member included', async () => {
      // Prepare
      const json = '{"__proto__":{"x":1},"n":-5e+299,"s":"t","b":false,"z":null,"l":[{}],"o":{}}';

      // Act
      const result = await post(Buffer.from(json), 'application/json');

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.body).toBe(`${json}\n`);
    });
  });
});

describe('CodecRegistry', () => {
  describe('negotiate', () => {
    const offered = codecRegistry.offeredBy(['yaml']);

    it.each([
      ['application/json; charset=utf-8', 'application/json'],
      ['application/json;charset="UTF-8"', 'application/json'],
      ['application/yaml;charset=utf8;q=0.9, application/json;q=0.1', 'application/yaml'],
      [' , application/yaml', 'application/yaml'],
    ])('answers Accept %s with %s (UTF-8 is what every text format answers)', (accept, expected) => {
      // Act
      const chosen = codecRegistry.negotiate(accept, offered);

      // Assess
      expect(chosen?.mediaType).toBe(expected);
    });

    it('finds nothing acceptable when Accept names only another charset', () => {
      // Act
      const chosen = codecRegistry.negotiate('application/json;charset=iso-8859-1', offered);

      // Assess
      expect(chosen).toBeUndefined();
    });

    it('rejects an Accept with malformed elements, naming each of them', () => {
      // Act
      const negotiate = () => codecRegistry.negotiate('application/json;q=abc, json, text/yaml;q=1.5', offered);

      // Assess
      expect(negotiate).toThrow(
        expect.objectContaining({
          message: 'The Accept header has 3 malformed element(s)',
          problems: [
            expect.objectContaining({
              pointer: '/headers/accept',
              message: expect.stringMatching(/application\/json;q=abc/),
            }),
            expect.objectContaining({ message: expect.stringMatching(/"json" is not a media range/) }),
            expect.objectContaining({ message: expect.stringMatching(/text\/yaml;q=1\.5/) }),
          ],
        }),
      );
    });
  });
});

describe('encodeResponse', () => {
  describe('GET', () => {
    it('answers Accept: application/json; charset=utf-8 with JSON', async () => {
      // Act
      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/thing', headers: { Accept: 'application/json; charset=utf-8' } }),
        lambdaContext,
      );

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ id: 'abc' });
    });

    it('rejects an Accept whose weight is not a number with 400 instead of 406', async () => {
      // Act
      const result = await handler(
        apiEvent({ method: 'GET', path: '/v1/thing', headers: { Accept: 'application/json;q=high' } }),
        lambdaContext,
      );

      // Assess
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(result.body).errors).toEqual([
        {
          pointer: '/headers/accept',
          detail: '"application/json;q=high": q must be a number from 0 to 1 with at most three decimals',
        },
      ]);
    });
  });
});

describe('httpApi', () => {
  describe('HEAD', () => {
    it('answers with the Content-Length of the body GET would send, and no body', async () => {
      // Act
      const head = await handler(apiEvent({ method: 'HEAD', path: '/v1/thing' }), lambdaContext);
      const get = await handler(apiEvent({ method: 'GET', path: '/v1/thing' }), lambdaContext);

      // Assess
      expect(head.statusCode).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers?.['content-length']).toBe(String(Buffer.byteLength(get.body)));
      expect(get.headers?.['content-length']).toBeUndefined();
    });
  });
});
