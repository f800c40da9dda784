import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpFunctionName } from '../functions/manifest';
import { routes } from '../functions/routes';
import { buildAuditRecord } from '../shared/domain/audit/audit-record';
import { RouteMatcher } from '../shared/http/route-match';
import { recordSafely } from '../shared/middleware/audit-trail';
import type { Clock } from '../shared/ports/clock';
import { ACCESS_DENIED_DETAIL, authorizeAtGateway, type GatewayAuthorization } from './gateway-authorizer';
import { answerIssuerEndpoint } from './issuer-endpoints';
import type { LocalIssuer } from './local-issuer';
import { responseHeaders, toLambdaContext, toProxyEvent } from './proxy-event';
import type { LocalFunctions } from './wiring';

/** API Gateway's REST payload limit (10 MB, API Gateway quotas); larger requests never reach Lambda. */
const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
const STAGE = 'local';

/**
 * What API Gateway does in AWS: each HTTP request becomes a REST proxy event for the function the
 * route table names (the system function for unknown paths, as the `/{proxy+}` fallback), and the
 * function's result becomes the HTTP answer. Bodies over API Gateway's 10 MB are refused with 413,
 * a crashed function is a 502, as the gateway answers them. With auth on, the authorizer runs first
 * for every non-public route and the unknown-path fallback (`authorizeAtGateway`), and each 403 it
 * answers from the authorizer's policy is an audit record (`recordedBy: 'gateway'`; the authorizer
 * records its own 401s); the local issuer's endpoints, when it is active, are answered before any route.
 *
 * @param localIssuer - the runner's own issuer, whose JWKS and token endpoints it answers; none for an external issuer
 * @returns a Node request listener; a function that throws is answered 502
 */
export function apiGateway(
  functions: LocalFunctions,
  clock: Clock,
  log: ((line: string) => void) | undefined,
  localIssuer: LocalIssuer | undefined,
) {
  const matcher = new RouteMatcher(routes);
  const invoke = async (req: IncomingMessage, body: Buffer): Promise<APIGatewayProxyResult> => {
    // The request target is origin-form (RFC 9112 §3.2.1): never let `//host/...` be read as a host.
    const url = (req.url ?? '/').replace(/^\/+/, '/');
    const path = new URL(url, 'http://localhost').pathname;
    const issuerAnswer = localIssuer && (await answerIssuerEndpoint(localIssuer, req, path, body));
    if (issuerAnswer) return issuerAnswer;
    const match = matcher.match(req.method ?? 'GET', path);
    const route =
      match && 'route' in match
        ? { resource: match.route.path, pathParameters: Object.keys(match.params).length > 0 ? match.params : null }
        : { resource: '/{proxy+}', pathParameters: { proxy: path.slice(1) } };
    const functionName: HttpFunctionName = match && 'route' in match ? match.route.function : 'system';
    const request = {
      method: req.method ?? 'GET',
      url,
      // Every value of a repeated header, as API Gateway's multiValueHeaders carry them (Node's
      // req.headers keeps only the first Content-Type and joins others).
      headers: req.headersDistinct,
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    };
    const event = toProxyEvent(request, route, STAGE);
    const isPublic = match !== undefined && 'route' in match && 'public' in match.route && match.route.public;
    if (functions.authorizer && !isPublic) {
      const gateway = await authorizeAtGateway(functions.authorizer, event);
      if (!gateway.allowed) {
        if (gateway.decidedBy === 'gateway') {
          const matched = match && 'route' in match ? match.route : undefined;
          await recordGatewayDenial(functions.gatewayAudit, clock, event, matched, gateway);
        }
        return gateway.result;
      }
      event.requestContext.authorizer = gateway.authorizer;
    }
    return functions.http[functionName](event, toLambdaContext(`aif-${functionName}`, event.requestContext.requestId));
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    readBody(req)
      .then((body) =>
        body === undefined
          ? gatewayProblem(
              413,
              'payload-too-large',
              'The request body is too large',
              `API Gateway accepts at most ${GATEWAY_MAX_BODY_BYTES} bytes`,
            )
          : invoke(req, body),
      )
      .catch((error: unknown): APIGatewayProxyResult => {
        console.error('local runner: handler crashed', error);
        return gatewayProblem(502, 'bad-gateway', 'Bad Gateway', 'The function failed');
      })
      .then((result) => {
        const bytes = result.isBase64Encoded
          ? Buffer.from(result.body, 'base64')
          : Buffer.from(result.body ?? '', 'utf8');
        const headers = responseHeaders(result);
        // HEAD: the Content-Length GET would have (set by the function), never that of the empty body.
        if (req.method !== 'HEAD' || headers['content-length'] === undefined)
          headers['content-length'] = String(bytes.length);
        res.writeHead(result.statusCode, headers);
        res.end(bytes);
        log?.(`${req.method} ${req.url} ${result.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
      });
  };
}

/**
 * Records a 403 the gateway answered from the authorizer's policy (API Gateway's ACCESS_DENIED):
 * the principal the authorizer established, the matched route and its parameters.
 */
async function recordGatewayDenial(
  { trail, observability }: LocalFunctions['gatewayAudit'],
  clock: Clock,
  event: APIGatewayProxyEvent,
  route: { operationId: string; path: string } | undefined,
  gateway: Extract<GatewayAuthorization, { allowed: false }>,
): Promise<void> {
  const record = buildAuditRecord({
    id: randomUUID(),
    time: clock.now(),
    requestId: event.requestContext.requestId,
    method: event.httpMethod,
    ...(route && { route }),
    path: event.path,
    ...(event.pathParameters && { pathParameters: event.pathParameters as Record<string, string> }),
    ...(gateway.principal && { caller: gateway.principal }),
    sourceIp: event.requestContext.identity.sourceIp,
    status: gateway.result.statusCode,
    reason: ACCESS_DENIED_DETAIL,
    recordedBy: 'gateway',
  });
  await recordSafely(trail, record, observability.logger, observability.metrics);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Requests Node's HTTP parser refuses (an unknown method, a malformed request line, headers over
 * 16 KB) never reach a function: answered as problem+json like every other refusal, instead of
 * Node's bare status line.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const { statusCode, headers, body } = tooLarge
    ? gatewayProblem(
        431,
        'header-fields-too-large',
        'Request header fields too large',
        'The request headers are too large',
      )
    : gatewayProblem(
        400,
        'bad-request',
        'The request is malformed',
        `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
      );
  const reason = tooLarge ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${statusCode} ${reason}\r\ncontent-type: ${headers?.['content-type']}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** A problem answered by the "gateway" itself, as API Gateway's gateway responses do in AWS. */
function gatewayProblem(status: number, code: string, title: string, detail: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: `urn:aif:problem:${code}`, title, status, detail }),
  };
}
