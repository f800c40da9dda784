import { describe, expect, it } from 'vitest';
import { routes } from '../../../../functions/routes';
import { toLambdaContext, toProxyEvent } from '../../../../local/proxy-event';
import { AuthenticationError, AuthorizationError } from '../../../../shared/domain/auth/errors';
import { DependencyUnavailableError, MalformedInputError, ValidationError } from '../../../../shared/domain/errors';
import { expectedRevisionOf } from '../../../../shared/http/conditional-request';
import { MethodNotAllowedError } from '../../../../shared/http/errors';
import { toProblem } from '../../../../shared/http/problem';
import { RouteMatcher } from '../../../../shared/http/route-match';
import { readTraceContext, traceHeaders } from '../../../../shared/http/trace-context';

describe('readTraceContext', () => {
  it('starts distinct, well-formed trace and span ids for every request, past a refill of the random pool', () => {
    // Act: more ids than one 4 KiB pool holds
    const contexts = Array.from({ length: 600 }, () => readTraceContext({}));

    // Assess
    expect(contexts.every((c) => /^[0-9a-f]{32}$/.test(c.traceId) && /^[0-9a-f]{16}$/.test(c.spanId))).toBe(true);
    expect(new Set(contexts.map((c) => c.traceId)).size).toBe(600);
    expect(new Set(contexts.map((c) => c.spanId)).size).toBe(600);
  });

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

  it('maps authentication and authorization errors to 401 and 403 with their WWW-Authenticate challenge', () => {
    // Act
    const unauthenticated = toProblem(new AuthenticationError('no token', 'Bearer'), 'r7');
    const forbidden = toProblem(
      new AuthorizationError('needs mesh:read', ['mesh:read'], 'Bearer error="insufficient_scope", scope="mesh:read"'),
      'r8',
    );

    // Assess
    expect(unauthenticated).toMatchObject({ problem: { status: 401 }, headers: { 'www-authenticate': 'Bearer' } });
    expect(forbidden).toMatchObject({
      problem: { status: 403, requiredScopes: ['mesh:read'] },
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="mesh:read"' },
    });
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

describe('expectedRevisionOf', () => {
  it.each([
    [{}, { kind: 'unconditional' }],
    [{ 'if-match': '*' }, { kind: 'any-existing' }],
    [{ 'if-none-match': '*' }, { kind: 'must-not-exist' }],
    [{ 'if-match': '"4", "1"' }, { kind: 'one-of', revisions: [4, 1] }],
    [{ 'if-match': '"2",' }, { kind: 'one-of', revisions: [2] }],
    [{ 'if-match': ', "3" ,, W/"4"' }, { kind: 'one-of', revisions: [3] }],
  ])('reads %o as %o', (headers, expected) => {
    expect(expectedRevisionOf(headers)).toEqual(expected);
  });

  it.each([[{ 'if-match': ',' }], [{ 'if-match': '"2", 3' }], [{ 'if-match': '"1"', 'if-none-match': '*' }]])(
    'rejects %o as malformed',
    (headers) => {
      expect(() => expectedRevisionOf(headers)).toThrow(MalformedInputError);
    },
  );
});
