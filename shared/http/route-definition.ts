import type * as z from 'zod';
import type { BucketLimit } from '../domain/rate-limits/token-bucket';
import type { HttpMiddleware } from './pipeline';

/** HTTP methods the API's routes use. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

/**
 * One operation of the HTTP API as the route table (`functions/routes.ts`) declares it. API
 * Gateway resources, the local runner's dispatch, each function's router and the OpenAPI
 * document are all derived from these entries.
 */
export type RouteDefinition<F extends string = string> = {
  operationId: string;
  method: RouteMethod;
  /** API Gateway resource path with `{param}` placeholders, including the `/v1` base path. */
  path: string;
  /** The Lambda function (capability) that serves it. */
  function: F;
  summary: string;
  tags: readonly string[];
  /** OAuth2-style scopes a caller needs (recorded now; enforced with the security work). */
  scopes: readonly string[];
  /** No authentication at all (health, the API description). */
  public?: boolean;
  /**
   * A POST (or other unsafe method) that changes nothing — it computes an answer from the request
   * (validation, pattern tests): the audit trail skips it, as it skips GET, HEAD and OPTIONS.
   * @default false
   */
  readOnly?: boolean;
  /**
   * Codecs this route reads and writes besides those offered everywhere (JSON), by codec name,
   * e.g. `['yaml']` (`shared/http/codecs/registry.ts`).
   */
  formats?: readonly string[];
  /**
   * The one media type the route answers (no parameters), instead of a negotiated codec: for a
   * document with a format of its own, e.g. `text/plain` for the `.proto` source of `GET /v1/proto`.
   * The operation returns the body as a string and labels it (`content-type`, charset included);
   * `Accept` must allow the type (406 otherwise); problems stay `application/problem+json`.
   */
  produces?: string;
  /**
   * The default rate limit of each tenant's calls of this route (issue 11): a token bucket per
   * tenant and operation, shared by every Lambda instance (the `rateLimit` middleware). The
   * RATE_LIMITS setting overrides it per operation id, or turns it off. @default no limit
   */
  rateLimit?: BucketLimit;
  /** Middlewares that run for this route only, inside the function's pipeline, just before the operation. */
  middlewares?: readonly HttpMiddleware[];
  request?: {
    params?: z.ZodType;
    query?: z.ZodType;
    /** Request headers the operation reads (lower-case names); validated (400) and documented. */
    headers?: z.ZodType;
    /** Body schema: validated by the router unless `bodyValidatedBy` is 'operation'. */
    body?: z.ZodType;
    /** The operation validates the body itself (it accepts several document kinds). */
    bodyValidatedBy?: 'operation';
    /** The body reaches the operation as bytes (a `Buffer`), unparsed: proxy routes. */
    rawBody?: true;
  };
  /** The answers by status; `default` for a relayed answer of any status (the mesh router). */
  responses: Readonly<Record<number, RouteResponse> & { default?: RouteResponse }>;
};

/** One documented answer of a route. */
export type RouteResponse = {
  description: string;
  schema?: z.ZodType;
  /**
   * Response headers worth documenting (`ETag`, `Location`…), by name, with their description;
   * documented as always sent unless `optional`.
   */
  headers?: Readonly<Record<string, string | { description: string; optional: true }>>;
};
