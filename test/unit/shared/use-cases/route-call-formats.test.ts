import { decode, encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import type { Owner } from '../../../../shared/domain/auth/owner';
import { MalformedInputError, UpstreamFailedError } from '../../../../shared/domain/errors';
import {
  InstanceFormatNotAcceptableError,
  InstanceFormatUnsupportedError,
} from '../../../../shared/domain/mesh/errors';
import type { ServiceInstance } from '../../../../shared/domain/mesh/service-instance';
import { codecWireFormats } from '../../../../shared/http/codecs/wire-formats';
import type { HttpRequest, HttpResponse } from '../../../../shared/ports/http-client';
import type { FormatConversion } from '../../../../shared/use-cases/mesh-formats';
import { MeshRouter, type RoutedCall } from '../../../../shared/use-cases/route-call';
import { recordingClock } from '../../../support/clock';
import { plainRouterDeps } from '../../../support/mesh-router';
import { rejectionOf } from '../../../support/rejection';

const ACME: Owner = { tenant: 'acme', principal: 'gateway' };

function instance(id: string, supportedFormats?: string[]): ServiceInstance {
  return {
    id,
    name: 'orders',
    version: '1.0.0',
    endpoint: `https://${id}.example.com`,
    healthEndpoint: `https://${id}.example.com/health`,
    metadata: {},
    weight: 100,
    status: 'healthy',
    owner: ACME,
    revision: 1,
    registeredAt: '2026-11-30T10:00:00.000Z',
    lastHeartbeatAt: '2026-11-30T10:00:00.000Z',
    ...(supportedFormats && { supportedFormats }),
  };
}

/** A router over ACME's `orders` instances whose upstream answers `answer(request)`. */
function harness(instances: ServiceInstance[], answer: (request: HttpRequest) => HttpResponse) {
  const requests: HttpRequest[] = [];
  const conversions: FormatConversion[] = [];
  const clock = recordingClock(Date.parse('2026-11-30T10:00:00Z'));
  const router = new MeshRouter({
    claims: { ownerOf: async () => ACME },
    registry: { listByName: async () => instances },
    rules: { list: async () => [] },
    ...plainRouterDeps(clock, requests),
    http: {
      request: async (request) => {
        requests.push(request);
        return answer(request);
      },
    },
    formats: { formats: codecWireFormats(), maxBodyBytes: 1024, onConversion: (c) => conversions.push(c) },
  });
  return { router, requests, conversions };
}

function call(headers: Record<string, string>, body?: Buffer): RoutedCall {
  return {
    caller: ACME,
    service: 'orders',
    method: 'POST',
    path: '/orders',
    query: '',
    headers,
    ...(body && { body }),
    trace: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' },
  };
}

const msgpackAnswer = (value: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status: 201,
  headers: { 'content-type': 'application/msgpack', 'x-order': '7', ...headers },
  body: Buffer.from(encode(value)),
});

describe('MeshRouter with formats', () => {
  describe('route', () => {
    it('converts a JSON call for a msgpack-only instance both ways', async () => {
      // Prepare
      const { router, requests, conversions } = harness([instance('o-1', ['application/msgpack'])], () =>
        msgpackAnswer({ id: 7, total: 12.5 }, { etag: '"v7"' }),
      );

      // Act
      const answer = await router.route(
        call({ 'content-type': 'application/json', accept: 'application/json' }, Buffer.from('{"item":"pen","qty":2}')),
      );

      // Assess
      expect(requests[0]?.headers['content-type']).toBe('application/msgpack');
      expect(requests[0]?.headers.accept).toBe('application/msgpack');
      expect(decode(requests[0]?.body as Buffer)).toEqual({ item: 'pen', qty: 2 });
      expect(answer.status).toBe(201);
      expect(answer.headers).toMatchObject({
        'content-type': 'application/json',
        'x-order': '7',
        vary: 'accept',
        etag: 'W/"v7"',
      });
      expect(JSON.parse(answer.body.toString('utf8'))).toEqual({ id: 7, total: 12.5 });
      expect(conversions.map((c) => c.direction)).toEqual(['request', 'answer']);
    });

    it('passes a body and answer the instance and caller share through byte for byte', async () => {
      // Prepare
      const sent = Buffer.from(encode({ big: 2 ** 40, s: 'é' }));
      const upstream = msgpackAnswer({ ok: true });
      const { router, requests, conversions } = harness(
        [instance('o-1', ['application/msgpack', 'application/json'])],
        () => upstream,
      );

      // Act
      const answer = await router.route(
        call({ 'content-type': 'application/msgpack', accept: 'application/msgpack' }, sent),
      );

      // Assess
      expect(Buffer.from(requests[0]?.body as Buffer).equals(sent)).toBe(true);
      expect(requests[0]?.headers.accept).toBe('application/msgpack');
      expect(answer.body.equals(upstream.body)).toBe(true);
      expect(answer.headers.vary).toBeUndefined();
      expect(conversions).toEqual([]);
    });

    it('relays any bytes to an instance that declares no formats', async () => {
      // Prepare
      const sent = Buffer.from('a,b\n1,2\n');
      const { router, requests } = harness([instance('o-1')], () => ({
        status: 200,
        headers: { 'content-type': 'application/msgpack' },
        body: Buffer.from([0xc1]),
      }));

      // Act
      const answer = await router.route(call({ 'content-type': 'text/csv', accept: 'application/json' }, sent));

      // Assess
      expect(Buffer.from(requests[0]?.body as Buffer).equals(sent)).toBe(true);
      expect(answer.body).toEqual(Buffer.from([0xc1]));
    });

    it('sends the call to the instance that can read the body when instances of the service differ', async () => {
      // Prepare
      const { router, requests } = harness(
        [instance('csv-1', ['text/csv']), instance('mp-1', ['application/msgpack'])],
        () => msgpackAnswer({}),
      );

      // Act
      const answer = await router.route(call({ 'content-type': 'application/json' }, Buffer.from('{}')));

      // Assess
      expect(answer.instanceId).toBe('mp-1');
      expect(requests.map((r) => r.url)).toEqual(['https://mp-1.example.com/orders']);
    });

    it('relays an answer in a format it cannot convert as it is', async () => {
      // Prepare
      const { router } = harness([instance('o-1', ['application/msgpack'])], () => ({
        status: 404,
        headers: { 'content-type': 'text/html' },
        body: Buffer.from('<h1>gone</h1>'),
      }));

      // Act
      const answer = await router.route(call({ accept: 'application/json' }));

      // Assess
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('text/html');
      expect(answer.body.toString()).toBe('<h1>gone</h1>');
    });

    it('rejects a body in a media type no instance reads with 415 naming their formats, calling none', async () => {
      // Prepare
      const { router, requests } = harness([instance('o-1', ['application/msgpack', 'application/json'])], () =>
        msgpackAnswer({}),
      );

      // Act
      const error = await rejectionOf<InstanceFormatUnsupportedError>(
        router.route(call({ 'content-type': 'text/csv' }, Buffer.from('a,b'))),
      );

      // Assess
      expect(error).toBeInstanceOf(InstanceFormatUnsupportedError);
      expect(error.supportedFormats).toEqual(['application/msgpack', 'application/json']);
      expect(error.problems[0]?.pointer).toBe('/headers/content-type');
      expect(requests).toEqual([]);
    });

    it('rejects an Accept nothing can satisfy with 406 before calling any instance', async () => {
      // Prepare
      const { router, requests } = harness([instance('o-1', ['application/msgpack'])], () => msgpackAnswer({}));

      // Act
      const error = await rejectionOf<InstanceFormatNotAcceptableError>(router.route(call({ accept: 'image/png' })));

      // Assess
      expect(error).toBeInstanceOf(InstanceFormatNotAcceptableError);
      expect(error.available).toContain('application/json');
      expect(requests).toEqual([]);
    });

    it('rejects a body that does not decode with 400 naming the pointer, before any upstream call', async () => {
      // Prepare
      const { router, requests } = harness([instance('o-1', ['application/msgpack'])], () => msgpackAnswer({}));

      // Act
      const error = await rejectionOf<MalformedInputError>(
        router.route(call({ 'content-type': 'application/json' }, Buffer.from('{"n": 1e999}'))),
      );

      // Assess
      expect(error).toBeInstanceOf(MalformedInputError);
      expect(error.problems[0]?.pointer).toBe('/n');
      expect(requests).toEqual([]);
    });

    it("fails with 502 naming the upstream's body when its answer does not decode", async () => {
      // Prepare
      const { router } = harness([instance('o-1', ['application/msgpack'])], () => ({
        status: 200,
        headers: { 'content-type': 'application/msgpack' },
        body: Buffer.from([0x81, 0xa1, 0x61, 0xc1]),
      }));

      // Act
      const error = await rejectionOf<UpstreamFailedError>(router.route(call({ accept: 'application/json' })));

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
      expect(error.message).toMatch(/o-1.*not valid application\/msgpack/);
      expect(error.problems[0]?.pointer).toMatch(/^\/upstream\/body/);
    });

    it('fails with 502 naming the pointer of an upstream 64-bit integer JSON cannot carry, never rounding it', async () => {
      // Prepare
      const { router } = harness([instance('o-1', ['application/msgpack'])], () => ({
        status: 200,
        headers: { 'content-type': 'application/msgpack' },
        body: Buffer.from(encode({ id: 2n ** 60n }, { useBigInt64: true })),
      }));

      // Act
      const error = await rejectionOf<UpstreamFailedError>(router.route(call({ accept: 'application/json' })));

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
      expect(error.problems).toEqual([expect.objectContaining({ pointer: '/upstream/body/id', keyword: 'jsonValue' })]);
    });

    it('fails with 502 rather than converting an answer larger than the body limit', async () => {
      // Prepare
      const { router } = harness([instance('o-1', ['application/msgpack'])], () =>
        msgpackAnswer({ s: 'x'.repeat(2000) }),
      );

      // Act
      const error = await rejectionOf<UpstreamFailedError>(router.route(call({ accept: 'application/json' })));

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
      expect(error.message).toContain('converts at most 1024 bytes');
    });
  });
});
