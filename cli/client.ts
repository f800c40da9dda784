import type * as z from 'zod';
import type {
  AuditListResponse,
  BreakerListResponse,
  ContractListResponse,
  ContractResponse,
  DeadLetterListResponse,
  EventLogResponse,
  HealthResponse,
  PublishEventsResponse,
  RedriveResponse,
  RegisterContractResponse,
  RegisteredInstanceResponse,
  ServiceInstanceListResponse,
  SubscriptionListResponse,
  SubscriptionResponse,
  TopologyResponse,
  ValidationResultResponse,
  VersionListResponse,
} from '../functions/api-schemas';
import { ApiError, type ProblemDetails, UnreachableError } from './errors';

/** The answers' shapes, as the API's own zod schemas declare them (`functions/api-schemas`). */
export type Health = z.output<typeof HealthResponse>;
export type ContractList = z.output<typeof ContractListResponse>;
export type Contract = z.output<typeof ContractResponse>;
export type VersionList = z.output<typeof VersionListResponse>;
export type RegisterContractResult = z.output<typeof RegisterContractResponse>;
export type ValidationResult = z.output<typeof ValidationResultResponse>;
export type PublishResult = z.output<typeof PublishEventsResponse>;
export type EventLog = z.output<typeof EventLogResponse>;
export type Subscription = z.output<typeof SubscriptionResponse>;
export type SubscriptionList = z.output<typeof SubscriptionListResponse>;
export type DeadLetterList = z.output<typeof DeadLetterListResponse>;
export type RedriveResult = z.output<typeof RedriveResponse>;
export type RegisteredInstance = z.output<typeof RegisteredInstanceResponse>;
export type InstanceList = z.output<typeof ServiceInstanceListResponse>;
export type BreakerList = z.output<typeof BreakerListResponse>;
export type Topology = z.output<typeof TopologyResponse>;
export type AuditList = z.output<typeof AuditListResponse>;

/** A query string's values; `undefined` members are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One request: a JSON `json` body, or a `raw` body sent with its own `contentType`. */
export type RequestOptions = {
  query?: Query;
  json?: unknown;
  raw?: { body: string; contentType: string };
};

/** An answer with a 1xx–3xx status: the status and the decoded JSON body (`undefined` when empty). */
export type ApiAnswer<T> = { status: number; body: T };

/** Where the API is and how to authenticate: `token` is asked for once per request (it may cache). */
export type ClientOptions = {
  /** The API's base URL without `/v1`, e.g. `http://localhost:3000` or a stage's invoke URL. */
  baseUrl: string;
  token?: () => Promise<string | undefined>;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
};

/**
 * A small typed client of the HTTP API. It knows paths and shapes, nothing else: every rule is the
 * server's. 4xx and 5xx answers become `ApiError` with the problem details; a request that gets
 * no answer becomes `UnreachableError`.
 *
 * @example
 * const client = new ApiClient({ baseUrl: 'http://localhost:3000' });
 * const { body } = await client.listContracts({ limit: 100 }); // body.items: [{ name, versionCount, … }]
 */
export class ApiClient {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: ClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The base URL requests go to. */
  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * Sends one request to `path` (starting with `/v1/`). A 429 with a `Retry-After` of at most
   * 30 s is sent again after that wait, up to 5 times.
   *
   * @throws {ApiError} when the API answers 4xx or 5xx (the problem+json body, or one made from the text)
   * @throws {UnreachableError} when no answer comes (refused, DNS, TLS, reset)
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const url = new URL(this.options.baseUrl.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    const token = await this.options.token?.();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.body;
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    const init = { method, headers, ...(body !== undefined && { body }) };
    let response = await this.send(url, init);
    // A rate-limited call (429, Retry-After in seconds: the API's per-tenant token buckets) is sent
    // again after the wait it names, a few times, so a directory import paces itself.
    for (let retry = 0; retry < MAX_RATE_LIMIT_RETRIES && response.status === 429; retry++) {
      const waitMs = retryAfterMs(response.headers.get('retry-after'));
      if (waitMs === undefined) break;
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      response = await this.send(url, init);
    }
    const text = await response.text();
    if (response.status >= 400) throw new ApiError(response.status, toProblem(response, text));
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private async send(url: URL, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(url, init);
    } catch (error) {
      throw new UnreachableError(url.origin, describeFetchError(error));
    }
  }

  health = () => this.request<Health>('GET', '/v1/health');
  listContracts = (query: Query) => this.request<ContractList>('GET', '/v1/contracts', { query });
  getContract = (name: string, version?: string) =>
    this.request<Contract>(
      'GET',
      version === undefined ? `/v1/contracts/${enc(name)}` : `/v1/contracts/${enc(name)}/versions/${enc(version)}`,
    );
  listVersions = (name: string, query: Query) =>
    this.request<VersionList>('GET', `/v1/contracts/${enc(name)}/versions`, { query });
  /** `POST /v1/contracts` with the document as read (JSON or YAML); `dryRun: true` stores nothing. */
  registerContract = (document: { body: string; contentType: string }, query: Query) =>
    this.request<RegisterContractResult>('POST', '/v1/contracts', { raw: document, query });
  validateRequest = (name: string, body: unknown) =>
    this.request<ValidationResult>('POST', `/v1/contracts/${enc(name)}/validate`, { json: body });
  validateResponse = (name: string, body: unknown) =>
    this.request<ValidationResult>('POST', `/v1/contracts/${enc(name)}/validate-response`, { json: body });
  publishEvents = (events: unknown) => this.request<PublishResult>('POST', '/v1/events', { json: events });
  listEventLog = (query: Query) => this.request<EventLog>('GET', '/v1/event-log', { query });
  listSubscriptions = (query: Query) => this.request<SubscriptionList>('GET', '/v1/subscriptions', { query });
  createSubscription = (body: unknown) => this.request<Subscription>('POST', '/v1/subscriptions', { json: body });
  deleteSubscription = (id: string) => this.request<undefined>('DELETE', `/v1/subscriptions/${enc(id)}`);
  listDeadLetters = (query: Query) => this.request<DeadLetterList>('GET', '/v1/dead-letters', { query });
  redrive = (body: { ids: string[] } | { subscriptionId: string }) =>
    this.request<RedriveResult>('POST', '/v1/dead-letters/redrive', { json: body });
  listInstances = (query: Query) => this.request<InstanceList>('GET', '/v1/services', { query });
  registerInstance = (body: unknown) => this.request<RegisteredInstance>('POST', '/v1/services', { json: body });
  listBreakers = (query: Query) => this.request<BreakerList>('GET', '/v1/breakers', { query });
  topology = () => this.request<Topology>('GET', '/v1/topology');
  listAudit = (query: Query) => this.request<AuditList>('GET', '/v1/audit', { query });

  /**
   * Every item of a paginated listing (`limit` and `cursor` in, `items` and `nextCursor` out),
   * page by page, stopping after `max` items.
   */
  async all<I>(
    list: (query: Query) => Promise<ApiAnswer<{ items: I[]; nextCursor?: string }>>,
    query: Query = {},
    max = Number.POSITIVE_INFINITY,
  ): Promise<I[]> {
    const items: I[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await list({ ...query, limit: Math.min(100, max - items.length), cursor });
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== undefined && items.length < max);
    return items;
  }
}

const enc = encodeURIComponent;

/** How often a 429 answer is retried before it is reported. */
const MAX_RATE_LIMIT_RETRIES = 5;

/** `Retry-After` as delay-seconds (RFC 9110 §10.2.3), in ms, when at most 30 s; otherwise not retried. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^[0-9]+$/.test(header.trim())) return undefined;
  const seconds = Number(header.trim());
  return seconds <= 30 ? Math.max(seconds, 0.05) * 1000 : undefined;
}

/** The answer's problem details, or one made of its status and text when it is not problem+json. */
function toProblem(response: Response, text: string): ProblemDetails {
  try {
    const parsed = JSON.parse(text) as Partial<ProblemDetails>;
    if (parsed && typeof parsed === 'object' && typeof parsed.title === 'string') {
      return { detail: '', ...parsed, status: response.status } as ProblemDetails;
    }
  } catch {
    // not JSON: described below
  }
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 500),
  };
}

/** fetch's TypeError hides the reason in `cause` (ECONNREFUSED, ENOTFOUND…). */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
