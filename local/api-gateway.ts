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
import { guardRequest, type RequestGuardOptions } from './request-guards';
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
 * Before any of that, and before the body is read, `guardRequest` refuses a Host that is not
 * allowed (421) and a cross-origin state-changing request (403). An answer given before the whole
 * body was read (413, a guard's refusal) carries `Connection: close` and closes the connection, so a
 * keep-alive client does not send its next request on a socket still full of the unread body.
 *
 * @param localIssuer - the runner's own issuer, whose JWKS and token endpoints it answers; none for an external issuer
 * @param guard - the allowed Host names and the server's port (`allowedHostSet`)
 * @returns a Node request listener; a function that throws is answered 502
 */
export function apiGateway(
  functions: LocalFunctions,
  clock: Clock,
  log: ((line: string) => void) | undefined,
  localIssuer: LocalIssuer | undefined,
  guard: RequestGuardOptions,
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
    const send = (result: APIGatewayProxyResult, bodyRead: boolean) => {
      const bytes = result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : Buffer.from(result.body ?? '', 'utf8');
      const headers = responseHeaders(result);
      // HEAD: the Content-Length GET would have (set by the function), never that of the empty body.
      if (req.method !== 'HEAD' || headers['content-length'] === undefined)
        headers['content-length'] = String(bytes.length);
      // The unread rest of the body would be parsed as the next request: end the connection instead.
      if (!bodyRead) headers.connection = 'close';
      res.writeHead(result.statusCode, headers);
      res.end(bytes);
      log?.(`${req.method} ${req.url} ${result.statusCode} ${(performance.now() - started).toFixed(1)}ms`);
    };
    const refused = guardRequest(req, guard);
    if (refused) {
      send(refused, req.complete);
      return;
    }
    // A declared length past the limit is refused from the headers, without waiting for the body.
    if (Number(req.headers['content-length'] ?? 0) > GATEWAY_MAX_BODY_BYTES) {
      send(tooLarge(), false);
      return;
    }
    readBody(req)
      .then((body) =>
        body === undefined
          ? { result: tooLarge(), bodyRead: false }
          : invoke(req, body).then((result) => ({ result, bodyRead: true })),
      )
      .catch((error: unknown) => {
        console.error('local runner: handler crashed', error);
        return { result: gatewayProblem(502, 'bad-gateway', 'Bad Gateway', 'The function failed'), bodyRead: true };
      })
      .then(({ result, bodyRead }) => send(result, bodyRead));
  };
}

function tooLarge(): APIGatewayProxyResult {
  return gatewayProblem(
    413,
    'payload-too-large',
    'The request body is too large',
    `API Gateway accepts at most ${GATEWAY_MAX_BODY_BYTES} bytes`,
  );
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

/**
 * The request body, or undefined once it passes API Gateway's 10 MB: reading stops there (the rest
 * is never buffered) and the request stream is left paused for the connection to be closed.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
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
    body: `${JSON.stringify({ type: `urn:aif:problem:${code}`, title, status, detail })}\n`,
  };
}
