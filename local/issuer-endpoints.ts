import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { FRAMEWORK_TENANT, isReservedTenant } from '../shared/domain/auth/owner';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX } from '../shared/http/problem';
import { isLoopbackHost } from './gateway-authorizer';
import { type LocalIssuer, MAX_LOCAL_TOKEN_TTL_SECONDS } from './local-issuer';

/** Where the local runner serves the local issuer's public keys. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Where `npm run token` asks the local runner for a token (local issuer only, loopback only). */
export const TOKEN_PATH = '/local/token';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const ScopeToken = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be an RFC 6749 scope token');
const TokenRequestBody = z
  .strictObject({
    scopes: z.array(ScopeToken).max(100),
    tenant: z.string().min(1).max(256).optional(),
    subject: z.string().min(1).max(256).optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_LOCAL_TOKEN_TTL_SECONDS),
  })
  // The token's tenant is `tenant`, else its subject: the framework's own tenant would be refused by the authorizer.
  .refine((request) => !isReservedTenant(request.tenant ?? request.subject ?? ''), {
    path: ['tenant'],
    message: `"${FRAMEWORK_TENANT}" is the framework's reserved tenant; no token can have it`,
  });

/**
 * The local issuer's two endpoints on the runner, answered before any route (they are not API
 * routes and exist only while the local issuer is active):
 * - `GET /.well-known/jwks.json` — the public key, for the authorizer and anyone verifying tokens;
 * - `POST /local/token` with `{scopes, tenant?, subject?, ttlSeconds}` — a signed access token, for
 *   `npm run token`. It mints any scope, so it answers only a caller on a loopback address that
 *   names a loopback host (a page on another site cannot reach it by DNS rebinding) and sends
 *   `Content-Type: application/json` (no cross-site form post); anything else is 403.
 *
 * @returns the answer, or undefined when the request is for neither endpoint
 */
export async function answerIssuerEndpoint(
  issuer: LocalIssuer,
  req: IncomingMessage,
  path: string,
  body: Buffer,
): Promise<APIGatewayProxyResult | undefined> {
  if (path === JWKS_PATH) {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return problem(405, 'method-not-allowed', 'Method not allowed', `${JWKS_PATH} answers GET`, {
        allow: 'GET, HEAD',
      });
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
      body: `${JSON.stringify(issuer.jwks())}\n`,
    };
  }
  if (path !== TOKEN_PATH) return undefined;
  if (req.method !== 'POST')
    return problem(405, 'method-not-allowed', 'Method not allowed', `${TOKEN_PATH} answers POST`, { allow: 'POST' });
  if (!fromLoopback(req))
    return problem(403, 'forbidden', 'Forbidden', 'The local token endpoint answers loopback callers only');
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return problem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'Send the token request as application/json',
    );
  let parsed: z.infer<typeof TokenRequestBody>;
  try {
    parsed = TokenRequestBody.parse(JSON.parse(body.toString('utf8')));
  } catch (error) {
    const detail = error instanceof z.ZodError ? z.prettifyError(error) : 'The body is not JSON';
    return problem(400, 'bad-request', 'The token request is invalid', detail);
  }
  const token = await issuer.issue(parsed);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: `${JSON.stringify({
      access_token: token,
      token_type: 'Bearer',
      expires_in: parsed.ttlSeconds,
      scope: parsed.scopes.join(' '),
    })}\n`,
  };
}

function fromLoopback(req: IncomingMessage): boolean {
  const remote = req.socket.remoteAddress;
  let hostname: string;
  try {
    hostname = new URL(`http://${req.headers.host ?? ''}`).hostname;
  } catch {
    return false;
  }
  return remote !== undefined && isLoopbackHost(remote) && isLoopbackHost(hostname);
}

function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: `${JSON.stringify({ type: `${PROBLEM_TYPE_PREFIX}${code}`, title, status, detail })}\n`,
  };
}
