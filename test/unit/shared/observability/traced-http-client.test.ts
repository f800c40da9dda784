import { Segment } from 'aws-xray-sdk-core';
import { describe, expect, it } from 'vitest';
import { TracedHttpClient } from '../../../../shared/observability/traced-http-client';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../shared/ports/http-client';

const secretUrl = 'https://user:pa55@hooks.example.com:8443/services/T000/B000/XXXXSECRET?token=abc123';

function request(url = secretUrl): HttpRequest {
  return {
    method: 'POST',
    url,
    headers: { authorization: 'Bearer sekrit', 'webhook-signature': 'v1,sig' },
    body: '{"payload":"private"}',
    timeoutMs: 1_000,
  };
}

function answering(status: number): HttpClient & { seen: HttpRequest[] } {
  const seen: HttpRequest[] = [];
  return {
    seen,
    request: async (r): Promise<HttpResponse> => {
      seen.push(r);
      return { status, headers: {}, body: Buffer.from('upstream body') };
    },
  };
}

function tracerOn(segment: Segment) {
  return { isTracingEnabled: () => true, getSegment: () => segment };
}

function recorded(segment: Segment): Record<string, unknown> {
  return JSON.parse(segment.toString()) as Record<string, unknown>;
}

describe('TracedHttpClient', () => {
  it('records one remote subsegment named by host with the origin only, never path, query, userinfo, headers or body', async () => {
    const segment = new Segment('dispatcher');
    const inner = answering(204);
    const response = await new TracedHttpClient(inner, tracerOn(segment)).request(request());

    expect(response.status).toBe(204);
    expect(inner.seen).toEqual([request()]);
    const [sub] = (recorded(segment).subsegments ?? []) as Array<Record<string, unknown>>;
    expect(sub).toMatchObject({
      name: 'hooks.example.com:8443',
      namespace: 'remote',
      http: { request: { method: 'POST', url: 'https://hooks.example.com:8443' }, response: { status: 204 } },
    });
    expect(sub?.end_time).toEqual(expect.any(Number));
    const text = segment.toString();
    for (const secret of [
      'services',
      'XXXXSECRET',
      'token',
      'abc123',
      'pa55',
      'user',
      'sekrit',
      'private',
      'upstream body',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it.each([
    [429, { throttle: true, error: true }],
    [404, { error: true }],
    [503, { fault: true }],
  ])('flags a %i answer', async (status, flags) => {
    const segment = new Segment('mesh');
    await new TracedHttpClient(answering(status), tracerOn(segment)).request(request('https://api.example.com/x'));
    const [sub] = recorded(segment).subsegments as Array<Record<string, unknown>>;
    expect(sub).toMatchObject(flags);
    for (const flag of ['throttle', 'error', 'fault'].filter((f) => !(f in flags)))
      expect(sub).not.toHaveProperty(flag);
  });

  it('rethrows a failed request, flagging a fault with the error code and never its message', async () => {
    const segment = new Segment('mesh');
    const failure = Object.assign(new Error(`connect ECONNREFUSED for ${secretUrl}`), { code: 'ECONNREFUSED' });
    const failing: HttpClient = { request: () => Promise.reject(failure) };

    await expect(new TracedHttpClient(failing, tracerOn(segment)).request(request())).rejects.toBe(failure);
    const [sub] = recorded(segment).subsegments as Array<Record<string, unknown>>;
    expect(sub).toMatchObject({ fault: true, annotations: { outboundError: 'ECONNREFUSED' } });
    expect(sub).not.toHaveProperty('cause');
    expect(segment.toString()).not.toContain('XXXXSECRET');
  });

  it('goes straight to the wrapped client when tracing is off or no segment is active', async () => {
    for (const tracer of [
      { isTracingEnabled: () => false, getSegment: () => new Segment('x') },
      { isTracingEnabled: () => true, getSegment: () => undefined },
    ]) {
      const inner = answering(200);
      await new TracedHttpClient(inner, tracer).request(request());
      expect(inner.seen).toHaveLength(1);
    }
  });
});
