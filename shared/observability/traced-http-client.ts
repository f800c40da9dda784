import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { HttpClient, HttpRequest, HttpResponse } from '../ports/http-client';

/**
 * An HttpClient that records each outbound request as an X-Ray subsegment holding the target's
 * origin only. Webhook and mesh URLs may carry credentials in their paths and queries (Slack-style
 * webhook URLs do), so neither X-Ray's automatic HTTP capture (`captureHTTPsRequests`, off in
 * `createObservability`) nor this decorator ever records a path, a query, a header or a body.
 *
 * The subsegment is named by the host (`hooks.example.com`: one node per host in the X-Ray trace
 * map), has `namespace: 'remote'` and `http.request` `{ method, url: '<scheme>://<host>[:port]' }`,
 * `http.response.status`; 429 sets the throttle flag, another 4xx the error flag, 5xx the fault
 * flag. A request that throws sets the fault flag and the annotation `outboundError` to the
 * error's `name` or `code` (never its message, which may quote the URL); the error is rethrown.
 *
 * Without an active segment (tracing disabled, outside Lambda, the local runner) the request goes
 * straight to the wrapped client.
 *
 * @example const http = new TracedHttpClient(new SafeHttpClient(rules), observability.tracer);
 */
export class TracedHttpClient implements HttpClient {
  /**
   * @param inner - the client that makes the request (the SSRF-safe client)
   * @param tracer - the function's Powertools tracer
   */
  constructor(
    private readonly inner: HttpClient,
    private readonly tracer: Pick<Tracer, 'isTracingEnabled' | 'getSegment'>,
  ) {}

  /** @throws whatever the wrapped client throws, unchanged */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const parent = this.tracer.isTracingEnabled() ? this.tracer.getSegment() : undefined;
    const target = originOf(request.url);
    if (parent === undefined || target === undefined) return this.inner.request(request);
    const subsegment = parent.addNewSubsegment(target.host);
    subsegment.namespace = 'remote';
    const http: { request: { method: string; url: string }; response?: { status: number } } = {
      request: { method: request.method, url: target.origin },
    };
    try {
      const response = await this.inner.request(request);
      http.response = { status: response.status };
      if (response.status === 429) subsegment.addThrottleFlag();
      if (response.status >= 400 && response.status < 500) subsegment.addErrorFlag();
      if (response.status >= 500) subsegment.addFaultFlag();
      return response;
    } catch (error) {
      subsegment.addFaultFlag();
      subsegment.addAnnotation('outboundError', errorLabel(error));
      throw error;
    } finally {
      subsegment.addAttribute('http', http);
      subsegment.close();
    }
  }
}

/** The origin and host of a URL (`https://a.example:8443`, `a.example:8443`), or undefined if it does not parse. */
function originOf(url: string): { origin: string; host: string } | undefined {
  try {
    const parsed = new URL(url);
    return { origin: `${parsed.protocol}//${parsed.host}`, host: parsed.host };
  } catch {
    return undefined;
  }
}

function errorLabel(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code)) return code;
  if (typeof name === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(name)) return name;
  return 'Error';
}
