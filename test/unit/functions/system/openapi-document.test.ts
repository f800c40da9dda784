import { describe, expect, it } from 'vitest';
import { routes } from '../../../../functions/routes';
import { buildOpenApiDocument } from '../../../../functions/system/openapi-document';
import type { RouteDefinition } from '../../../../shared/http/route-definition';

type Operation = {
  operationId: string;
  security?: unknown;
  'x-required-scopes'?: string[];
  parameters?: Array<Record<string, unknown>>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { headers?: Record<string, { required?: boolean }>; content?: Record<string, unknown> }>;
};

const document = buildOpenApiDocument('http://localhost:3000') as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};
const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
const operation = (id: string) => operations.find((o) => o.operationId === id) as Operation;
const schema = (name: string) => document.components.schemas[name] as Record<string, unknown>;

describe('buildOpenApiDocument', () => {
  describe('schemas', () => {
    it('reads a contract or OpenAPI document on registration, without the members the server generates', () => {
      const body = operation('registerContract').requestBody?.content['application/json']?.schema;
      expect(body).toEqual({
        anyOf: [{ $ref: '#/components/schemas/ContractDocument' }, { $ref: '#/components/schemas/OpenApiDocument' }],
      });
      expect(schema('ContractDocument').required).toEqual(['name', 'version']);
      expect(schema('ContractVersion')).toBeDefined();
    });

    it('keeps each input form apart from its output form (XInput beside X)', () => {
      expect(schema('ErrorPolicyInput')).toBeDefined();
      expect(schema('ErrorPolicyInput')).not.toEqual(schema('ErrorPolicy'));
    });

    it('lets problem details carry extension members (results, available, any other)', () => {
      const problem = schema('ProblemDetails');
      expect(problem.additionalProperties).not.toBe(false);
      expect(Object.keys(problem.properties as object)).toEqual(expect.arrayContaining(['results', 'available']));
    });

    it('names no component as a reference to itself', () => {
      const selfRefs = Object.entries(document.components.schemas).filter(
        ([name, value]) => value.$ref === `#/components/schemas/${name}`,
      );
      expect(selfRefs).toEqual([]);
    });
  });

  describe('operations', () => {
    it('declares no security requirement with auth off, and keeps the scopes in x-required-scopes', () => {
      expect(operations.filter((o) => o.security !== undefined)).toEqual([]);
      expect(operation('registerContract')['x-required-scopes']).toEqual(['contracts:write']);
      expect(operation('getHealth')['x-required-scopes']).toBeUndefined();
      expect(document).not.toHaveProperty('components.securitySchemes');
    });

    it('with bearer tokens, requires each route’s scopes, none on public routes, and offers the token endpoint', () => {
      // Act
      const secured = buildOpenApiDocument('https://api.example', {
        mode: 'token',
        tokenUrl: 'https://aif.auth.eu-west-1.amazoncognito.com/oauth2/token',
        scopePrefix: 'aif/',
      }) as typeof document & { components: { securitySchemes: Record<string, Record<string, unknown>> } };
      const all = Object.values(secured.paths).flatMap((item) => Object.values(item));
      const byId = (id: string) => all.find((o) => o.operationId === id) as Operation;

      // Assess
      expect(byId('putErrorPolicy').security).toEqual([{ bearer: ['errors:admin'] }, { oauth2: ['aif/errors:admin'] }]);
      expect(byId('getHealth').security).toEqual([]);
      expect(all.filter((o) => o.security === undefined)).toEqual([]);
      expect(secured.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const flow = (
        secured.components.securitySchemes.oauth2 as { flows: { clientCredentials: Record<string, unknown> } }
      ).flows.clientCredentials;
      expect(flow.tokenUrl).toBe('https://aif.auth.eu-west-1.amazoncognito.com/oauth2/token');
      const routeScopes = new Set(
        (routes as readonly RouteDefinition[]).filter((r) => !r.public).flatMap((r) => r.scopes.map((s) => `aif/${s}`)),
      );
      expect(Object.keys(flow.scopes as object).sort()).toEqual([...routeScopes].sort());
    });

    it('describes every scope of the route table in x-scopes', () => {
      const described = Object.keys((document as { 'x-scopes'?: object })['x-scopes'] ?? {});
      const used = [...new Set(routes.flatMap((route) => route.scopes))];
      expect(used.filter((scope) => !described.includes(scope))).toEqual([]);
    });

    it('with SigV4, declares API Gateway’s awsSigv4 scheme on every non-public operation', () => {
      // Act
      const secured = buildOpenApiDocument('https://api.example', { mode: 'iam' }) as typeof document & {
        components: { securitySchemes: Record<string, Record<string, unknown>> };
      };
      const all = Object.values(secured.paths).flatMap((item) => Object.values(item));

      // Assess
      expect(secured.components.securitySchemes.sigv4?.['x-amazon-apigateway-authtype']).toBe('awsSigv4');
      expect(all.find((o) => o.operationId === 'listContracts')?.security).toEqual([{ sigv4: ['contracts:read'] }]);
    });

    it('documents HEAD beside every GET, with the same statuses and no content', () => {
      for (const route of routes.filter((r) => r.method === 'GET')) {
        const get = operation(route.operationId);
        const head = operation(`${route.operationId}Head`);
        expect(Object.keys(head.responses), route.operationId).toEqual(Object.keys(get.responses));
        expect(Object.values(head.responses).filter((r) => r.content !== undefined)).toEqual([]);
      }
    });

    it('pages every listing whose answer holds items: limit and cursor in, nextCursor out', () => {
      // Prepare
      const listings = ['listContracts', 'listContractVersions', 'listErrorPolicies', 'listSubscriptions'];

      // Act
      const documented = listings.map((id) => {
        const answer = operation(id).responses['200']?.content?.['application/json'] as {
          schema: { properties: Record<string, unknown>; required?: string[] };
        };
        return {
          id,
          query: (operation(id).parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          nextCursor: answer.schema.properties.nextCursor,
          nextCursorRequired: answer.schema.required?.includes('nextCursor') ?? false,
        };
      });

      // Assess
      for (const listing of documented) {
        expect(listing).toEqual({
          id: listing.id,
          query: ['limit', 'cursor'],
          nextCursor: { type: 'string' },
          nextCursorRequired: false,
        });
      }
    });

    it('marks the mesh route greedy: proxy is the rest of the path', () => {
      const proxy = operation('routeCallGet').parameters?.find((p) => p.name === 'proxy');
      expect(proxy).toMatchObject({ in: 'path', required: true, 'x-greedy': true });
      expect(Object.keys(document.paths)).toContain('/v1/mesh/{service}/{proxy}');
      expect(operation('routeCallOptions')).toBeDefined();
    });
  });

  describe('answers', () => {
    it('answers JSON, MessagePack, CBOR and Protobuf on every route, and YAML too on the routes that offer it', () => {
      const everyRoute = [
        'application/json',
        'application/msgpack',
        'application/x-msgpack',
        'application/cbor',
        'application/x-protobuf',
        'application/protobuf',
      ];
      expect(Object.keys(operation('getLatestContract').responses['200']?.content ?? {})).toEqual([
        ...everyRoute,
        'application/yaml',
        'application/x-yaml',
        'text/yaml',
        'text/x-yaml',
        'application/vnd.oai.openapi',
      ]);
      expect(Object.keys(operation('listContracts').responses['200']?.content ?? {})).toEqual(everyRoute);
      expect(Object.keys(operation('testEventPattern').requestBody?.content ?? {})).toEqual(everyRoute);
      expect(operation('listContracts').responses['200']?.headers?.Vary?.required).toBe(true);
      expect(operation('getLatestContract').responses['200']?.headers?.Vary?.required).toBe(true);
    });

    it('answers GET /v1/proto as text/plain only: no Vary, no 503 (served from the code)', () => {
      const answers = operation('getProtoDefinitions').responses;
      expect(Object.keys(answers['200']?.content ?? {})).toEqual(['text/plain']);
      expect(answers['200']?.headers?.Vary).toBeUndefined();
      expect(answers).not.toHaveProperty('503');
    });

    it('answers every error as problem+json, with 406 and 415 on every negotiated route', () => {
      for (const o of operations.filter((o) => !o.operationId.startsWith('routeCall'))) {
        expect(o.responses, o.operationId).toHaveProperty('406');
        expect(o.responses, o.operationId).toHaveProperty('415');
        for (const [status, response] of Object.entries(o.responses)) {
          if (Number(status) >= 400 && response.content) {
            expect(Object.keys(response.content), `${o.operationId} ${status}`).toEqual(['application/problem+json']);
          }
        }
      }
    });

    it('documents 207 on publish, Location on creation, ETag on writes and Retry-After on 503', () => {
      expect(operation('publishEvents').responses).toHaveProperty('207');
      expect(operation('registerContract').responses['201']?.headers?.Location?.required).toBe(true);
      expect(operation('putErrorPolicy').responses['200']?.headers?.ETag?.required).toBe(true);
      expect(operation('getErrorPolicy').responses['200']?.headers?.ETag?.required).toBe(false);
      expect(operation('getHealth').responses['503']?.headers?.['Retry-After']?.required).toBe(true);
    });

    it("relays the mesh instance's answer as any status and media type", () => {
      expect(operation('routeCallGet').responses.default?.content).toEqual({ '*/*': { schema: {} } });
    });

    it('states the per-tenant rate limit of limited operations, and the RateLimit fields on their answers', () => {
      const publish = operation('publishEvents') as Operation & { 'x-rate-limit'?: unknown };
      expect(publish['x-rate-limit']).toEqual({ requestsPerSecond: 20, burstSize: 40, per: 'tenant' });
      expect(publish.responses['202']?.headers).toHaveProperty('RateLimit-Policy');
      expect(publish.responses['429']?.headers).toHaveProperty('Retry-After');
      expect(publish.responses['429']?.headers).toHaveProperty('RateLimit');
      expect(operation('routeCallGet').responses.default?.headers).toHaveProperty('RateLimit');
      expect(operation('listEvents')).not.toHaveProperty('x-rate-limit');
      expect(operation('listEvents').responses['200']?.headers ?? {}).not.toHaveProperty('RateLimit');
    });
  });
});
