import { decode as msgpackDecode } from '@msgpack/msgpack';
import { decode as cborDecode } from 'cbor2';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as z from 'zod';
import { API_PROTO_SOURCE } from '../../../../shared/http/codecs/protobuf-api-proto';
import type { HttpMiddleware } from '../../../../shared/http/pipeline';
import { composeMiddleware } from '../../../../shared/http/pipeline';
import type { RouteDefinition } from '../../../../shared/http/route-definition';
import { MAX_BODY_DEPTH, nestingDepth } from '../../../../shared/middleware/decode-body';
import { httpApi } from '../../../../shared/middleware/http-api';
import { createObservability } from '../../../../shared/observability/powertools';
import { apiEvent, lambdaContext } from '../../../support/events';
import '../../../support/handler-env';
import { ECHO_DOCUMENT_ROUTE } from '../../../support/pipeline-routes';

// The served .proto, compiled by protobufjs as a client would.
const ProtobufValue = protobuf.parse(API_PROTO_SOURCE).root.lookupType('google.protobuf.Value');

const seen: string[] = [];
const tag =
  (name: string): HttpMiddleware =>
  async (_context, next) => {
    seen.push(`${name}:before`);
    const result = await next();
    seen.push(`${name}:after`);
    return { ...result, headers: { ...result.headers, [`x-${name}`]: 'yes' } };
  };

const routes: RouteDefinition[] = [
  {
    operationId: 'echo',
    method: 'POST',
    path: '/v1/echo',
    function: 'test',
    summary: 'Echo',
    tags: [],
    scopes: [],
    request: { body: z.object({ a: z.unknown() }).passthrough() },
    responses: { 200: { description: 'The body' } },
  },
  ECHO_DOCUMENT_ROUTE,
  {
    operationId: 'getThing',
    method: 'GET',
    path: '/v1/things/{id}',
    function: 'test',
    summary: 'A thing, JSON or YAML',
    tags: [],
    scopes: [],
    formats: ['yaml'],
    middlewares: [tag('first'), tag('second')],
    request: { params: z.object({ id: z.string().regex(/^[a-z]+$/) }) },
    responses: { 200: { description: 'The thing' } },
  },
  {
    operationId: 'headers',
    method: 'GET',
    path: '/v1/headers',
    function: 'test',
    summary: 'The request headers as the operation sees them',
    tags: [],
    scopes: [],
    responses: { 200: { description: 'Headers' } },
  },
];

const handler = httpApi(
  routes,
  {
    echo: async ({ body }) => ({ status: 200, body }),
    echoDocument: async ({ body }) => ({ status: 200, body }),
    getThing: async ({ params }) => {
      seen.push('operation');
      return { status: 200, body: { id: params.id, nested: { list: [1, 2] } } };
    },
    headers: async ({ headers }) => ({ status: 200, body: headers }),
  },
  {},
  { observability: createObservability('test'), maxBodyBytes: 4096 },
);
const call = (input: Parameters<typeof apiEvent>[0]) => handler(apiEvent(input), lambdaContext);
const problemOf = (result: { body: string }) => JSON.parse(result.body) as { status: number; detail: string };

describe('httpApi', () => {
  describe('decoding request bodies through the codec registry', () => {
    it('reads JSON and +json media types', async () => {
      for (const contentType of ['application/json; charset=utf-8', 'application/vnd.oai.openapi+json']) {
        // Act
        const result = await call({
          method: 'POST',
          path: '/v1/echo',
          rawBody: '{"a":1}',
          headers: { 'Content-Type': contentType },
        });

        // Assess
        expect(result.statusCode, contentType).toBe(200);
        expect(JSON.parse(result.body)).toEqual({ a: 1 });
      }
    });

    it('rejects a body without Content-Type with 415 instead of reading it as JSON, and accepts an empty one', async () => {
      // Prepare
      const withoutContentType = (rawBody: string) => {
        const event = apiEvent({ method: 'POST', path: '/v1/echo', rawBody });
        delete event.headers['Content-Type'];
        delete event.multiValueHeaders['Content-Type'];
        return event;
      };

      // Act
      const refused = await handler(withoutContentType('{"a":1}'), lambdaContext);
      const empty = await handler(withoutContentType(''), lambdaContext);

      // Assess
      expect(refused.statusCode).toBe(415);
      expect(refused.headers?.['content-type']).toBe('application/problem+json');
      expect(problemOf(refused).detail).toMatch(/no Content-Type; send one of application\/json/);
      expect(empty.statusCode).not.toBe(415);
    });

    it('reads YAML only where the route offers it', async () => {
      // Act
      const offered = await call({
        method: 'POST',
        path: '/v1/documents',
        rawBody: 'a: 1\nb: [x]\n',
        headers: { 'Content-Type': 'application/yaml' },
      });
      const refused = await call({
        method: 'POST',
        path: '/v1/echo',
        rawBody: 'a: 1',
        headers: { 'Content-Type': 'application/yaml' },
      });

      // Assess
      expect(JSON.parse(offered.body)).toEqual({ a: 1, b: ['x'] });
      expect(refused.statusCode).toBe(415);
      expect(problemOf(refused).detail).toBe(
        'Content-Type application/yaml is not accepted here; send one of application/json, application/msgpack, application/cbor, application/x-protobuf',
      );
    });

    it('reads +yaml media types as YAML where the route offers YAML (RFC 9512)', async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/documents',
        rawBody: 'a: 1\n',
        headers: { 'Content-Type': 'application/openapi+yaml' },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ a: 1 });
    });

    it("rejects YAML nested past what the parser reads with 400, without the engine's own message", async () => {
      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/documents',
        rawBody: `${'['.repeat(2_000)}${']'.repeat(2_000)}`,
        headers: { 'Content-Type': 'application/yaml' },
      });

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).not.toMatch(/call stack/i);
    });

    it('decodes base64 bodies as API Gateway sends them with binary media types', async () => {
      // Prepare
      const event = apiEvent({ method: 'POST', path: '/v1/echo', rawBody: Buffer.from('{"a":2}').toString('base64') });
      event.isBase64Encoded = true;

      // Act
      const result = await handler(event, lambdaContext);

      // Assess
      expect(JSON.parse(result.body)).toEqual({ a: 2 });
    });

    it('rejects malformed JSON and YAML with 400, oversized bodies with 413, other media types and charsets with 415', async () => {
      // Act
      const statuses = await Promise.all(
        [
          { rawBody: '{"a":', type: 'application/json' },
          { rawBody: 'a: [1', type: 'application/yaml', path: '/v1/documents' },
          { rawBody: `{"a":"${'x'.repeat(5000)}"}`, type: 'application/json' },
          { rawBody: 'a=b', type: 'application/x-www-form-urlencoded' },
          { rawBody: '{"a":1}', type: 'application/json; charset=iso-8859-1' },
        ].map(async ({ rawBody, type, path }) => {
          const result = await call({
            method: 'POST',
            path: path ?? '/v1/echo',
            rawBody,
            headers: { 'Content-Type': type },
          });
          return [result.statusCode, result.headers?.['content-type']];
        }),
      );

      // Assess
      expect(statuses).toEqual([
        [400, 'application/problem+json'],
        [400, 'application/problem+json'],
        [413, 'application/problem+json'],
        [415, 'application/problem+json'],
        [415, 'application/problem+json'],
      ]);
    });

    it('refuses bodies nested deeper than the limit with 400 and accepts the limit itself', async () => {
      // Prepare
      const nested = (levels: number) => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

      // Act
      const deep = await call({ method: 'POST', path: '/v1/documents', rawBody: nested(MAX_BODY_DEPTH + 1) });
      const fine = await call({ method: 'POST', path: '/v1/documents', rawBody: nested(MAX_BODY_DEPTH) });

      // Assess
      expect(deep.statusCode).toBe(400);
      expect(problemOf(deep).detail).toMatch(/deeper than 256 levels/);
      expect(fine.statusCode).toBe(200);
      expect(nestingDepth(JSON.parse(fine.body), 1000)).toBe(MAX_BODY_DEPTH);
    });

    it('counts a YAML node reached through an alias at its deepest place', async () => {
      // Prepare: the alias is defined shallow and used deep, 140 + 140 levels once expanded
      const levels = 140;
      const yaml = `a: &deep ${'['.repeat(levels)}1${']'.repeat(levels)}\nb: ${'['.repeat(levels)}*deep${']'.repeat(levels)}\n`;

      // Act
      const result = await call({
        method: 'POST',
        path: '/v1/documents',
        rawBody: yaml,
        headers: { 'Content-Type': 'application/yaml' },
      });

      // Assess
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).detail).toMatch(/deeper than 256 levels/);
    });
  });

  describe('negotiating the answer from Accept', () => {
    it.each([
      [undefined, 'application/json'],
      ['*/*', 'application/json'],
      ['application/yaml', 'application/yaml'],
      ['text/yaml', 'text/yaml'],
      ['application/json;q=0.5, application/yaml', 'application/yaml'],
      ['application/*', 'application/json'],
      ['application/json;q=0, */*', 'application/msgpack'],
      ['application/json;q=0, application/msgpack;q=0, application/x-msgpack;q=0, */*', 'application/cbor'],
      ['application/cbor;q=0.9, application/msgpack;q=0.9', 'application/msgpack'],
      ['application/cbor, application/json;q=0.9', 'application/cbor'],
      ['application/x-msgpack', 'application/x-msgpack'],
      ['application/*;q=0.5, application/cbor', 'application/cbor'],
      ['application/x-protobuf', 'application/x-protobuf'],
      ['application/protobuf', 'application/protobuf'],
      ['application/x-protobuf;q=0, application/protobuf;q=0.5, application/json;q=0.4', 'application/protobuf'],
      [
        'application/json;q=0, application/msgpack;q=0, application/x-msgpack;q=0, application/cbor;q=0, */*',
        'application/x-protobuf',
      ],
    ])('answers Accept %s with %s where the route offers YAML', async (accept, expected) => {
      // Act
      const result = await call({
        method: 'GET',
        path: '/v1/things/abc',
        resource: '/v1/things/{id}',
        pathParameters: { id: 'abc' },
        headers: accept === undefined ? {} : { Accept: accept },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe(expected);
      expect(result.headers?.vary).toBe('accept');
      const value =
        expected === 'application/json'
          ? JSON.parse(result.body)
          : expected.includes('msgpack')
            ? msgpackDecode(Buffer.from(result.body, 'base64'))
            : expected === 'application/cbor'
              ? cborDecode(Buffer.from(result.body, 'base64'))
              : expected.includes('protobuf')
                ? protojson.toJson(ProtobufValue, ProtobufValue.decode(Buffer.from(result.body, 'base64')))
                : parse(result.body);
      expect(result.isBase64Encoded ?? false).toBe(!expected.includes('json') && !expected.includes('yaml'));
      expect(value).toEqual({ id: 'abc', nested: { list: [1, 2] } });
    });

    it('answers 406 naming what is available when nothing acceptable can be produced, before the operation runs', async () => {
      // Prepare
      seen.length = 0;

      // Act
      const jsonOnly = await call({ method: 'GET', path: '/v1/headers', headers: { Accept: 'application/yaml' } });
      const excluded = await call({
        method: 'GET',
        path: '/v1/things/abc',
        resource: '/v1/things/{id}',
        pathParameters: { id: 'abc' },
        headers: {
          Accept:
            'application/json;q=0, application/yaml;q=0, text/yaml;q=0, application/x-yaml;q=0, text/x-yaml;q=0, application/vnd.oai.openapi;q=0',
        },
      });

      // Assess
      expect(jsonOnly.statusCode).toBe(406);
      expect(jsonOnly.headers?.['content-type']).toBe('application/problem+json');
      expect(JSON.parse(jsonOnly.body)).toMatchObject({
        type: 'urn:aif:problem:not-acceptable',
        status: 406,
        available: ['application/json', 'application/msgpack', 'application/cbor', 'application/x-protobuf'],
      });
      expect(excluded.statusCode).toBe(406);
      expect(JSON.parse(excluded.body).available).toEqual([
        'application/json',
        'application/msgpack',
        'application/cbor',
        'application/x-protobuf',
        'application/yaml',
      ]);
      expect(seen).not.toContain('operation');
    });

    it('answers HEAD with the GET route’s headers and no body', async () => {
      // Act
      const result = await call({
        method: 'HEAD',
        path: '/v1/things/abc',
        resource: '/v1/things/{id}',
        pathParameters: { id: 'abc' },
      });

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['content-type']).toBe('application/json');
      expect(result.body).toBe('');
    });
  });

  describe('the route’s own middlewares', () => {
    it('run in order around the operation of their route only', async () => {
      // Prepare
      seen.length = 0;

      // Act
      const own = await call({
        method: 'GET',
        path: '/v1/things/abc',
        resource: '/v1/things/{id}',
        pathParameters: { id: 'abc' },
      });
      const other = await call({ method: 'GET', path: '/v1/headers' });

      // Assess
      expect(seen).toEqual(['first:before', 'second:before', 'operation', 'second:after', 'first:after']);
      expect(own.headers).toMatchObject({ 'x-first': 'yes', 'x-second': 'yes' });
      expect(other.headers?.['x-first']).toBeUndefined();
    });

    it('do not run when validation fails first', async () => {
      // Prepare
      seen.length = 0;

      // Act
      const result = await call({
        method: 'GET',
        path: '/v1/things/ABC',
        resource: '/v1/things/{id}',
        pathParameters: { id: 'ABC' },
      });

      // Assess
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/pathParameters/id']);
      expect(seen).toEqual([]);
    });
  });

  describe('headers', () => {
    it('reach the operation with lower-case names, repeated values joined', async () => {
      // Prepare
      const event = apiEvent({ method: 'GET', path: '/v1/headers', headers: { 'X-Custom': 'a' } });
      event.multiValueHeaders = { ...event.multiValueHeaders, 'X-Custom': ['a', 'b'] };

      // Act
      const result = await handler(event, lambdaContext);

      // Assess
      const headers = JSON.parse(result.body) as Record<string, string>;
      expect(headers['x-custom']).toBe('a, b');
      expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
    });

    it('answer with the W3C trace context on errors too', async () => {
      // Act
      const result = await call({ method: 'GET', path: '/v1/nowhere' });

      // Assess
      expect(result.statusCode).toBe(404);
      expect(result.headers?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    });
  });
});

describe('composeMiddleware', () => {
  it('runs the first middleware outermost and lets a middleware answer without calling next', async () => {
    // Prepare
    const order: string[] = [];
    const step =
      (name: string): HttpMiddleware =>
      async (_context, next) => {
        order.push(name);
        return next();
      };
    const shortCircuit: HttpMiddleware = async () => ({ status: 204 });
    const context = {} as Parameters<ReturnType<typeof composeMiddleware>>[0];

    // Act
    const answered = await composeMiddleware([step('a'), step('b'), shortCircuit, step('never')], async () => ({
      status: 200,
    }))(context);

    // Assess
    expect(order).toEqual(['a', 'b']);
    expect(answered.status).toBe(204);
  });
});
