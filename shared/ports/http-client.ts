/** An outbound HTTP request. */
export type HttpRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Connect plus response, milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Answer as soon as the status and headers arrive, without reading the body (the connection is
   * closed): for callers that need only the status, such as webhook deliveries.
   */
  discardBody?: boolean;
};

/** An HTTP response; any status, redirects not followed. Repeated headers are joined with `, `, Set-Cookie values with a line feed. */
export type HttpResponse = { status: number; headers: Record<string, string>; body: Buffer };

/**
 * Outbound HTTP for webhooks and routed calls. The adapter (`SafeHttpClient`) refuses targets
 * outside its address policy (SSRF) before connecting. Implementations throw `BlockedAddressError`
 * for a refused target, an error named `TimeoutError` on timeout, and network errors as Node.js
 * raises them (classified by `classifyError`); non-2xx statuses are returned, not thrown.
 */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}
