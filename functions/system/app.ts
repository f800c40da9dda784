import { API_PROTO_SOURCE } from '../../shared/http/codecs/protobuf-api-proto';
import { type HttpHandlerOptions, httpApi } from '../../shared/middleware/http-api';
import type { AuditLog } from '../../shared/ports/audit-trail';
import type { ContractRepository } from '../../shared/ports/contract-repository';
import { readSystemState, type SystemStateDeps } from '../../shared/use-cases/system-state';
import { type OperationsOf, routes } from '../routes';
import { consolePage, consoleScript, consoleStylesheet } from './console-page';
import { buildOpenApiDocument, type DocumentedAuth } from './openapi-document';

/**
 * What the system function needs: one store per table to ping, the audit trail to read, what the
 * state view reads (`state`), and how this deployment authenticates (declared in the OpenAPI
 * document). @default auth { mode: 'none' }
 */
export type SystemDeps = {
  stores: Record<string, Pick<ContractRepository, 'ping'>>;
  audit: AuditLog;
  state: SystemStateDeps;
  auth?: DocumentedAuth;
};

/**
 * Health, the API description, the .proto of its Protobuf format and the web console (`GET /console`). API Gateway also sends every request that matches no route
 * (`/{proxy+}` and `ANY` on each resource) here, so the router answers 404 or 405 as problem+json.
 */
export const systemOperations: OperationsOf<'system', SystemDeps> = {
  getHealth: async (_request, deps) => {
    const checks: Record<string, 'ok'> = {};
    for (const [name, store] of Object.entries(deps.stores)) {
      await store.ping();
      checks[name] = 'ok';
    }
    return { status: 200, body: { status: 'ok', checks }, headers: { 'cache-control': 'no-store' } };
  },
  getOpenApiDocument: async ({ headers, basePath }, deps) => {
    const host = headers['x-forwarded-host'] ?? headers.host ?? 'localhost:3000';
    const proto =
      headers['x-forwarded-proto'] ?? (host.startsWith('localhost') || host.startsWith('127.') ? 'http' : 'https');
    return { status: 200, body: buildOpenApiDocument(`${proto}://${host}${basePath}`, deps.auth) };
  },
  getProtoDefinitions: async () => ({
    status: 200,
    body: API_PROTO_SOURCE,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': 'inline; filename="struct.proto"' },
  }),
  getState: async ({ query, caller }, deps) => ({
    status: 200,
    body: await readSystemState(deps.state, { tenant: caller.tenant, window: query.window }),
    headers: { 'cache-control': 'no-store' },
  }),
  getConsole: async ({ basePath }) => consolePage(basePath),
  getConsoleScript: async () => consoleScript(),
  getConsoleStylesheet: async () => consoleStylesheet(),
  listAuditRecords: async ({ query }, deps) => ({
    status: 200,
    body: await deps.audit.list(query),
    headers: { 'cache-control': 'no-store' },
  }),
};

/**
 * The system function: health, the API's OpenAPI document, the state view (`GET /v1/state`), the
 * audit trail (`GET /v1/audit`), and
 * the 404/405 answers for every request that matches no route.
 *
 * @example const handler = createSystemHandler(systemDeps(base), httpOptions(base));
 */
export const createSystemHandler = (deps: SystemDeps, options: HttpHandlerOptions) =>
  httpApi(routes, systemOperations, deps, options);
