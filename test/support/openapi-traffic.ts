import { getHttpOperationsFromSpec, type IHttpRequest, type IHttpResponse } from '@stoplight/prism-http';
import route from '@stoplight/prism-http/dist/router';
import { validateInput, validateOutput, validateSecurity } from '@stoplight/prism-http/dist/validator';
import { parse as parseYaml } from 'yaml';
import type { Exchange } from './recording-proxy';

/** What the validator found wrong with one exchange's request and with its answer (empty when they conform). */
export type Verdict = { exchange: string; operationId?: string; request: string[]; response: string[] };

/**
 * Checks recorded traffic against an OpenAPI document with Stoplight Prism's own validator (the
 * engine behind `prism proxy --errors`): the request's security, path, query, headers, body and media type
 * against the matched operation, the response's status, media type, headers and body against the
 * documented answer. Errors and warnings (an undocumented error status) both count.
 *
 * Greedy parameters: OpenAPI path templates match one segment, so a parameter the document marks
 * `x-greedy` (the mesh route's `proxy`) gets its `/` percent-encoded before matching — the value
 * the document describes (`items/42`) in the one segment a template can hold.
 */
export async function trafficValidator(document: Record<string, unknown>) {
  const operations = await getHttpOperationsFromSpec(document);
  const greedy = greedyTemplates(document);
  return (exchange: Exchange): Verdict => {
    const name = `${exchange.request.method} ${exchange.request.url} → ${exchange.response.status}`;
    const input = toPrismRequest(exchange, greedy);
    const matched = route({ resources: operations, input });
    if (matched._tag === 'Left') return { exchange: name, request: [matched.left.message], response: [] };
    const operation = matched.right as (typeof operations)[number];
    // As `prism proxy` does by default: security first (a request without the credentials the
    // document demands is refused), then the request itself.
    const secured = validateSecurity({ resource: operation, element: input });
    const checked = validateInput({ resource: operation, element: input });
    const answered = validateOutput({ resource: operation, element: toPrismResponse(exchange) });
    return {
      exchange: name,
      operationId: operation.iid,
      request: [secured, checked].flatMap((result) =>
        result._tag === 'Left' ? result.left.map((d) => d.message) : [],
      ),
      response: answered._tag === 'Left' ? answered.left.map((d) => d.message) : [],
    };
  };
}

function toPrismRequest(exchange: Exchange, greedy: readonly RegExp[]): IHttpRequest {
  const url = new URL(exchange.request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const { headers, body } = exchange.request;
  return {
    method: exchange.request.method.toLowerCase() as IHttpRequest['method'],
    url: { path: encodeGreedy(url.pathname, greedy), query },
    headers,
    ...(body.length > 0 && { body: decode(body, headers['content-type']) }),
  };
}

function toPrismResponse(exchange: Exchange): IHttpResponse {
  const { status, headers, body } = exchange.response;
  return {
    statusCode: status,
    headers,
    ...(exchange.request.method !== 'HEAD' && body.length > 0 && { body: decode(body, headers['content-type']) }),
  };
}

/** A body as the schema describes it: decoded JSON or YAML; other media types as text. */
function decode(body: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = body.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) return JSON.parse(text);
  if (type.includes('yaml') || type === 'application/vnd.oai.openapi') return parseYaml(text);
  return text;
}

/** For each path whose last parameter is `x-greedy`: a regex with the fixed part and the greedy rest. */
function greedyTemplates(document: Record<string, unknown>): RegExp[] {
  const paths = document.paths as Record<string, Record<string, { parameters?: Array<Record<string, unknown>> }>>;
  return Object.entries(paths).flatMap(([template, item]) => {
    const parameters = Object.values(item).flatMap((operation) => operation.parameters ?? []);
    const greedyName = parameters.find((p) => p.in === 'path' && p['x-greedy'] === true)?.name;
    if (typeof greedyName !== 'string' || !template.endsWith(`{${greedyName}}`)) return [];
    const fixed = template.slice(0, -`{${greedyName}}`.length).replace(/\{[^}]+\}/g, '[^/]+');
    return [new RegExp(`^(${fixed})(.+)$`)];
  });
}

function encodeGreedy(path: string, greedy: readonly RegExp[]): string {
  for (const template of greedy) {
    const match = template.exec(path);
    if (match) return `${match[1]}${(match[2] as string).replaceAll('/', '%2F')}`;
  }
  return path;
}
