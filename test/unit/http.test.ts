import { describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { toLambdaContext, toProxyEvent } from '../../local/proxy-event';
import {
  DependencyUnavailableError,
  InputTooLargeError,
  MalformedInputError,
  ValidationError,
} from '../../shared/domain/errors';
import { MAX_BODY_DEPTH, nestingDepth, parseBody } from '../../shared/http/body';
import { MethodNotAllowedError, UnsupportedMediaTypeError } from '../../shared/http/errors';
import { toProblem } from '../../shared/http/problem';
import { RouteMatcher } from '../../shared/http/route-match';
import { readTraceContext, traceHeaders } from '../../shared/http/trace-context';
import { decodeYaml } from '../../shared/http/yaml-decoder';

describe('readTraceContext', () => {
  it('continues a valid traceparent with a new span id', () => {
    const context = readTraceContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(context).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
      flags: '01',
    });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(traceHeaders(context).traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${context.spanId}-01`);
  });

  it('falls back to X-Trace-Id, then to a new trace, for invalid or all-zero traceparents', () => {
    const zero = readTraceContext({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    const fromHeader = readTraceContext({ traceparent: 'garbage', 'x-trace-id': 'ABCDEF0123456789ABCDEF0123456789' });
    expect(zero.traceId).not.toBe('00000000000000000000000000000000');
    expect(zero.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fromHeader.traceId).toBe('abcdef0123456789abcdef0123456789');
  });
});

describe('parseBody', () => {
  const parse = (body: string, type?: string, formats: Array<'json' | 'yaml'> = ['json', 'yaml']) =>
    parseBody(body, false, type, formats, 1024, { yaml: decodeYaml });

  it('reads JSON, +json media types and a missing Content-Type as JSON', () => {
    expect(parse('{"a":1}', 'application/json; charset=utf-8')).toEqual({ a: 1 });
    expect(parse('{"a":1}', 'application/vnd.oai.openapi+json')).toEqual({ a: 1 });
    expect(parse('{"a":1}')).toEqual({ a: 1 });
  });

  it('reads YAML only where the route accepts it', () => {
    expect(parse('a: 1', 'application/yaml')).toEqual({ a: 1 });
    expect(() => parse('a: 1', 'application/yaml', ['json'])).toThrow(UnsupportedMediaTypeError);
  });

  it('decodes base64 bodies', () => {
    expect(parseBody(Buffer.from('{"a":2}').toString('base64'), true, 'application/json', ['json'], 1024)).toEqual({
      a: 2,
    });
  });

  it('rejects malformed JSON and YAML with 400, oversized bodies with 413, other types with 415', () => {
    expect(() => parse('{"a":')).toThrow(MalformedInputError);
    expect(() => parse('a: [1', 'application/yaml')).toThrow(MalformedInputError);
    expect(() => parse('x'.repeat(2000))).toThrow(InputTooLargeError);
    expect(() => parse('a=b', 'application/x-www-form-urlencoded')).toThrow(UnsupportedMediaTypeError);
  });

  it('refuses YAML alias bombs', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ),
    ].join('\n');
    expect(() => parseBody(bomb, false, 'application/yaml', ['yaml'], 1_000_000, { yaml: decodeYaml })).toThrow(
      MalformedInputError,
    );
  });
});

describe('toProblem', () => {
  it('maps domain errors to their status with pointers, and extra headers', () => {
    const validation = toProblem(new ValidationError('bad', [{ pointer: '/name', message: 'is required' }]), 'r1');
    const throttled = toProblem(new DependencyUnavailableError('slow down', 3), 'r2');
    const method = toProblem(new MethodNotAllowedError('no', ['GET', 'POST']), 'r3');
    expect(validation.problem).toEqual({
      type: 'urn:aif:problem:validation-failed',
      title: 'The request does not satisfy the contract of this operation',
      status: 422,
      detail: 'bad',
      instance: 'urn:aif:request:r1',
      requestId: 'r1',
      errors: [{ pointer: '/name', detail: 'is required' }],
    });
    expect(throttled).toMatchObject({ problem: { status: 503 }, headers: { 'retry-after': '3' } });
    expect(method).toMatchObject({ problem: { status: 405 }, headers: { allow: 'GET, POST' } });
  });

  it('answers 503 with Retry-After for a function timeout, and lists at most 100 problems', () => {
    const timeout = Object.assign(
      new Error('[AbortError]: The operation was aborted.', { cause: { package: '@middy/core' } }),
      {
        name: 'TimeoutError',
      },
    );
    const many = new ValidationError(
      'bad',
      Array.from({ length: 150 }, (_, i) => ({ pointer: `/x/${i}`, message: 'wrong' })),
    );
    expect(toProblem(timeout, 'r5')).toMatchObject({ problem: { status: 503 }, headers: { 'retry-after': '1' } });
    const errors = toProblem(many, 'r6').problem.errors ?? [];
    expect(errors).toHaveLength(101);
    expect(errors[100]).toEqual({ pointer: '', detail: '50 more problems not listed' });
  });

  it('hides anything that is not a domain error behind a generic 500', () => {
    const { problem, internal } = toProblem(new Error('password=hunter2'), 'r4');
    expect(internal).toBe(true);
    expect(JSON.stringify(problem)).not.toContain('hunter2');
    expect(problem.status).toBe(500);
  });
});

describe('RouteMatcher', () => {
  const matcher = new RouteMatcher(routes);

  it('finds routes with their parameters, preferring literal segments', () => {
    expect(matcher.match('GET', '/v1/contracts/petstore/versions')).toMatchObject({
      route: { operationId: 'listContractVersions' },
      params: { name: 'petstore' },
    });
    expect(matcher.match('POST', '/v1/contracts')).toMatchObject({ route: { operationId: 'registerContract' } });
  });

  it('answers HEAD with the GET route', () => {
    const hit = matcher.match('HEAD', '/v1/contracts/a/versions/1.0.0');
    expect(hit && 'route' in hit && hit.route.operationId).toBe('getContractVersion');
    expect(matcher.byResource('HEAD', '/v1/contracts/{name}')?.operationId).toBe('getLatestContract');
  });

  it('tells a wrong method (with the allowed ones) from an unknown path', () => {
    expect(matcher.match('PUT', '/v1/contracts/a/versions/1.0.0')).toEqual({ allow: ['GET', 'HEAD', 'DELETE'] });
    expect(matcher.match('GET', '/v2/contracts')).toBeUndefined();
  });

  it('declares each method and path once in the route table', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('toProxyEvent', () => {
  it('builds an API Gateway v1 proxy event with multi-value headers and query, and base64 for binary bodies', () => {
    const event = toProxyEvent(
      {
        method: 'post',
        url: '/v1/contracts?tag=a&tag=b',
        headers: { 'content-type': 'application/octet-stream', 'x-multi': ['1', '2'] },
        body: Buffer.from([0xff, 0x00]),
        sourceIp: '127.0.0.1',
      },
      { resource: '/v1/contracts', pathParameters: null },
      'local',
    );
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/v1/contracts',
      resource: '/v1/contracts',
      queryStringParameters: { tag: 'b' },
      multiValueQueryStringParameters: { tag: ['a', 'b'] },
      headers: { 'x-multi': '2' },
      multiValueHeaders: { 'x-multi': ['1', '2'] },
      isBase64Encoded: true,
      body: '/wA=',
    });
    expect(toLambdaContext('aif-contracts', 'id').getRemainingTimeInMillis()).toBeGreaterThan(0);
  });
});

describe('parseBody limits', () => {
  it('refuses bodies nested deeper than the limit with 400', () => {
    const deep = `${'['.repeat(MAX_BODY_DEPTH + 1)}${']'.repeat(MAX_BODY_DEPTH + 1)}`;
    const fine = `${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}`;
    expect(() => parseBody(deep, false, 'application/json', ['json'], 1_000_000)).toThrow(MalformedInputError);
    expect(nestingDepth(parseBody(fine, false, 'application/json', ['json'], 1_000_000), 1000)).toBe(MAX_BODY_DEPTH);
  });

  it('refuses a charset other than UTF-8 with 415', () => {
    expect(() => parseBody('{}', false, 'application/json; charset=iso-8859-1', ['json'], 1024)).toThrow(
      UnsupportedMediaTypeError,
    );
    expect(parseBody('{}', false, 'application/json; charset="UTF-8"', ['json'], 1024)).toEqual({});
  });
});

describe('parseBody and YAML aliases', () => {
  it('counts a node reached through an alias at its deepest place', () => {
    const levels = 140;
    const deep = `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    // The alias is defined shallow and used deep: 140 + 140 levels once expanded.
    const yaml = `a: &deep ${deep}\nb: ${'['.repeat(levels)}*deep${']'.repeat(levels)}\n`;
    expect(() => parseBody(yaml, false, 'application/yaml', ['yaml'], 1_000_000, { yaml: decodeYaml })).toThrow(
      /deeper than 256 levels/,
    );
  });
});
