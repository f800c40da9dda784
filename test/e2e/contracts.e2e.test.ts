import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { routes } from '../../functions/routes';
import { toOpenApiPath } from '../../functions/system/openapi-document';
import { type LocalServer, startLocalServer } from '../../local/server';

const FIXTURES = fileURLToPath(new URL('../fixtures/openapi/', import.meta.url));

/** Every OpenAPI/Swagger document among the fixtures (fragments of multi-file documents excluded). */
function openApiFixtures(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return walk(FIXTURES).filter((file) => {
    const text = readFileSync(file, 'utf8');
    const doc = (file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Record<string, unknown>;
    return 'openapi' in doc || 'swagger' in doc;
  });
}

describe('local runner: contract registry over HTTP', () => {
  let server: LocalServer;
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    // This file registers some sixty documents within seconds, far past registerContract's
    // rate limit (tested in rate-limits.e2e.test.ts): the limit is lifted for it.
    server = await startLocalServer({ port: 0, settings: { RATE_LIMITS: 'registerContract=off' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers health once the table is reachable', async () => {
    const response = await call('GET', '/v1/health');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok', checks: { contracts: 'ok', errors: 'ok' } } });
  });

  describe('OpenAPI import of every fixture document', () => {
    const files = openApiFixtures();
    const expectations: Record<string, { status: number; query?: string; problem?: RegExp }> = {
      'oai/v2.0/json/petstore-separate/spec/swagger.json': { status: 422, problem: /parameters\.json#\/tagsParam/ },
      'providers/aws-apigw-petstore.swagger-2.0.json': { status: 201, query: '&version=1.0.0' },
    };

    it('finds the documents', () => {
      expect(files.length).toBe(29);
    });

    it.each(files.map((f) => relative(FIXTURES, f)))('imports %s', async (file) => {
      const expected = expectations[file] ?? { status: 201 };
      const name = file.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
      const yaml = file.endsWith('.yaml');
      const response = await call(
        'POST',
        `/v1/contracts?name=${name}${expected.query ?? ''}`,
        readFileSync(join(FIXTURES, file), 'utf8'),
        yaml ? 'application/yaml' : 'application/json',
      );
      expect(response.status, JSON.stringify(response.body)).toBe(expected.status);
      if (expected.problem) {
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(JSON.stringify(response.body.errors)).toMatch(expected.problem);
      } else {
        expect(response.body.contract.name).toBe(name);
        const latest = await call('GET', `/v1/contracts/${name}`);
        expect(latest.body.contentHash).toBe(response.body.contract.contentHash);
      }
    });

    it('refuses a document without info.version unless ?version= is given', async () => {
      const response = await call(
        'POST',
        '/v1/contracts',
        readFileSync(join(FIXTURES, 'providers/aws-apigw-petstore.swagger-2.0.json'), 'utf8'),
      );
      expect(response.status).toBe(422);
      expect(response.body.errors[0].pointer).toBe('/info/version');
    });

    it('converts the JSON and YAML forms of a document into identical contracts', async () => {
      const json = await call('GET', '/v1/contracts/oai-v3-0-petstore-json');
      const yaml = await call('GET', '/v1/contracts/oai-v3-0-petstore-yaml');
      expect(json.body.endpoints).toEqual(yaml.body.endpoints);
      expect(json.body.schemas).toEqual(yaml.body.schemas);
    });
  });

  describe('Petstore (expanded) contract', () => {
    beforeAll(async () => {
      const yaml = readFileSync(join(FIXTURES, 'oai/v3.0/petstore-expanded.yaml'), 'utf8');
      const first = await call('POST', '/v1/contracts?name=petstore', yaml, 'application/yaml');
      expect(first.status).toBe(201);
    });

    it('is idempotent for identical content and refuses different content under the same version', async () => {
      const yaml = readFileSync(join(FIXTURES, 'oai/v3.0/petstore-expanded.yaml'), 'utf8');
      const again = await call('POST', '/v1/contracts?name=petstore', yaml, 'application/yaml');
      const changed = await call(
        'POST',
        '/v1/contracts?name=petstore',
        yaml.replace('maximum number', 'max'),
        'application/yaml',
      );
      expect(again.status).toBe(200);
      expect(again.body.outcome).toBe('unchanged');
      expect(changed.status).toBe(409);
      expect(changed.body.type).toBe('urn:aif:problem:version-conflict');
    });

    const validate = (request: unknown) => call('POST', '/v1/contracts/petstore/validate', request);
    const validateResponse = (request: unknown) => call('POST', '/v1/contracts/petstore/validate-response', request);

    it('accepts a correct request', async () => {
      const response = await validate({
        method: 'POST',
        path: '/pets',
        request: { body: { name: 'Rex', tag: 'dog' } },
      });
      expect(response.body).toEqual({ valid: true, errors: [], version: '1.0.0', endpoint: 'POST /pets' });
    });

    it('reports a missing required field and a wrong type', async () => {
      const response = await validate({ method: 'POST', path: '/pets', request: { body: { tag: 5 } } });
      expect(response.body.errors).toEqual([
        { instancePath: '/body/name', keyword: 'required', message: "must have required property 'name'" },
        { instancePath: '/body/tag', keyword: 'type', message: 'must be string' },
      ]);
    });

    it('reports a missing required body', async () => {
      const response = await validate({ method: 'POST', path: '/pets' });
      expect(response.body.errors).toEqual([
        { instancePath: '/body', keyword: 'required', message: 'request body is required' },
      ]);
    });

    it('reports path and query parameters of the wrong type', async () => {
      const path = await validate({ method: 'GET', path: '/pets/abc' });
      const query = await validate({ method: 'GET', path: '/pets', request: { query: { limit: 'ten' } } });
      expect(path.body.errors).toEqual([
        { instancePath: '/pathParameters/id', keyword: 'type', message: 'must be integer' },
      ]);
      expect(query.body.errors).toEqual([
        { instancePath: '/query/limit', keyword: 'type', message: 'must be integer' },
      ]);
    });

    it('validates responses against the schema for their status', async () => {
      const ok = await validateResponse({ method: 'GET', path: '/pets/1', status: 200, body: { id: 1, name: 'Rex' } });
      const missingId = await validateResponse({ method: 'GET', path: '/pets/1', status: 200, body: { name: 'Rex' } });
      const badError = await validateResponse({ method: 'GET', path: '/pets/1', status: 500, body: { code: 'E1' } });
      expect(ok.body.valid).toBe(true);
      expect(missingId.body.errors).toEqual([
        { instancePath: '/body/id', keyword: 'required', message: "must have required property 'id'" },
      ]);
      expect(badError.body.errors).toEqual([
        { instancePath: '/body/message', keyword: 'required', message: "must have required property 'message'" },
        { instancePath: '/body/code', keyword: 'type', message: 'must be integer' },
      ]);
    });

    it('answers 404 naming the known endpoints for an unknown one', async () => {
      const response = await validate({ method: 'PUT', path: '/pets' });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe(
        'No endpoint PUT /pets; known endpoints: GET /pets, POST /pets, GET /pets/{id}, DELETE /pets/{id}',
      );
    });
  });

  describe('versions and compatibility', () => {
    const doc = (version: string, extra: Record<string, unknown> = {}) => ({
      name: 'versions-demo',
      version,
      endpoints: [{ path: '/items', method: 'GET', responseSchema: 'Item' }],
      schemas: { Item: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
      ...extra,
    });

    it('resolves latest by semver precedence, deprecation and prerelease', async () => {
      for (const version of ['1.9.0', '1.10.0', '2.0.0-rc.1']) {
        expect((await call('POST', '/v1/contracts', doc(version))).status).toBe(201);
      }
      expect((await call('GET', '/v1/contracts/versions-demo')).body.version).toBe('1.10.0');
      expect((await call('GET', '/v1/contracts/versions-demo?prerelease=true')).body.version).toBe('2.0.0-rc.1');
      expect((await call('DELETE', '/v1/contracts/versions-demo/versions/1.10.0')).body.deprecated).toBe(true);
      expect((await call('GET', '/v1/contracts/versions-demo')).body.version).toBe('1.9.0');
      expect((await call('GET', '/v1/contracts/versions-demo/versions/1.10.0')).body.deprecated).toBe(true);
      const versions = await call('GET', '/v1/contracts/versions-demo/versions');
      expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.9.0']);
      expect(versions.body).not.toHaveProperty('nextCursor');
    });

    it('lists the versions a page at a time, highest precedence first, with cursors bound to the name', async () => {
      const first = await call('GET', '/v1/contracts/versions-demo/versions?limit=2');
      const second = await call('GET', `/v1/contracts/versions-demo/versions?limit=2&cursor=${first.body.nextCursor}`);
      const elsewhere = await call('GET', `/v1/contracts/race-many/versions?cursor=${first.body.nextCursor}`);
      expect(
        [first.body.items, second.body.items].map((items) => items.map((v: { version: string }) => v.version)),
      ).toEqual([['2.0.0-rc.1', '1.10.0'], ['1.9.0']]);
      expect(second.body).not.toHaveProperty('nextCursor');
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.errors[0].pointer).toBe('/query/cursor');
    });

    it('refuses a breaking version with 409 and each reason, and reports without storing on dryRun', async () => {
      const breaking = doc('3.0.0', { endpoints: [] });
      const dryRun = await call('POST', '/v1/contracts?dryRun=true', breaking);
      const refused = await call('POST', '/v1/contracts', breaking);
      expect(dryRun.status).toBe(200);
      expect(dryRun.body).toMatchObject({
        outcome: 'dry-run',
        wouldBe: 'incompatible',
        compatibility: { compatible: false },
      });
      expect(refused.status).toBe(409);
      expect(refused.body.type).toBe('urn:aif:problem:incompatible-version');
      expect(refused.body.errors.map((e: { keyword: string }) => e.keyword)).toContain('endpoint-removed');
      expect((await call('GET', '/v1/contracts/versions-demo/versions/3.0.0')).status).toBe(404);
    });

    it('accepts the same break under compatibility NONE', async () => {
      const response = await call('POST', '/v1/contracts?compatibility=NONE', doc('3.0.0', { endpoints: [] }));
      expect(response.status).toBe(201);
      expect(response.body.contract.compatibility).toBe('NONE');
    });

    it('checks a version registered out of order against the version above it too', async () => {
      const only = (paths: string[], version: string) => ({
        name: 'out-of-order',
        version,
        endpoints: paths.map((path) => ({ path, method: 'GET' })),
      });
      expect((await call('POST', '/v1/contracts', only(['/a'], '1.0.0'))).status).toBe(201);
      expect((await call('POST', '/v1/contracts', only(['/a'], '1.2.0'))).status).toBe(201);

      const refused = await call('POST', '/v1/contracts', only(['/a', '/b'], '1.1.0'));

      expect(refused.status).toBe(409);
      expect(refused.body.errors).toEqual([
        {
          pointer: '/endpoints/1',
          keyword: 'endpoint-removed',
          detail:
            'against 1.2.0: registered 1.2.0 would no longer be compatible with this version: GET /b: endpoint was removed; clients of the previous version still call it',
        },
      ]);
    });

    it('never lets concurrent registrations together break the mode, lose a version or miscount', async () => {
      // Version 1.i.0 limits `a` to maxLength[i] in a closed object: a later version is BACKWARD
      // compatible with an earlier one only if its maxLength is not smaller.
      const maxLength = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
      const name = 'race-many';
      const doc = (i: number) => ({
        name,
        version: `1.${i}.0`,
        endpoints: [{ path: '/a', method: 'POST', requestSchema: 'Req' }],
        schemas: {
          Req: {
            type: 'object',
            additionalProperties: false,
            properties: { a: { type: 'string', maxLength: maxLength[i] } },
          },
        },
      });

      // Each version is sent twice at once: identical retries must not be told "unchanged" for a version that is not kept.
      const responses = await Promise.all(
        maxLength.flatMap((_, i) => [call('POST', '/v1/contracts', doc(i)), call('POST', '/v1/contracts', doc(i))]),
      );

      const accepted = new Set(
        responses.filter((r) => r.status === 201 || r.status === 200).map((r) => r.body.contract.version as string),
      );
      expect(responses.every((r) => [200, 201, 409].includes(r.status))).toBe(true);
      const listed = (await call('GET', `/v1/contracts/${name}/versions`)).body.items
        .map((v: { version: string }) => v.version)
        .reverse();
      expect(new Set(listed)).toEqual(accepted);
      const limits = listed.map((v: string) => maxLength[Number(v.split('.')[1])] as number);
      expect(limits).toEqual([...limits].sort((a, b) => a - b));
      const summary = (await call('GET', '/v1/contracts?limit=100')).body.items.find(
        (i: { name: string }) => i.name === name,
      );
      expect(summary.versionCount).toBe(listed.length);
    });

    it('lists contracts a page at a time', async () => {
      const first = await call('GET', '/v1/contracts?limit=2');
      const second = await call('GET', `/v1/contracts?limit=2&cursor=${first.body.nextCursor}`);
      expect(first.body.items).toHaveLength(2);
      expect(second.body.items[0].name > first.body.items[1].name).toBe(true);
    });
  });

  describe('HTTP errors', () => {
    it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
      const missing = await call('GET', '/v1/nothing-here');
      const wrongMethod = await call('PATCH', '/v1/contracts');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toBe('application/problem+json');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST, GET, HEAD');
    });

    it('answers 400 for malformed JSON and 415 for an unsupported media type', async () => {
      expect((await call('POST', '/v1/contracts', '{"name":', 'application/json')).status).toBe(400);
      expect((await call('POST', '/v1/contracts', '<xml/>', 'application/xml')).status).toBe(415);
    });

    it('propagates the caller trace id in traceparent', async () => {
      const response = await fetch(`${server.url}/v1/health`, {
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      expect(response.headers.get('traceparent')).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    });

    it('serves its own OpenAPI 3.1 document with every route of the route table', async () => {
      const response = await call('GET', '/v1/openapi.json');
      expect(response.body.openapi).toBe('3.1.0');
      expect(Object.keys(response.body.paths)).toEqual([...new Set(routes.map((r) => toOpenApiPath(r.path)))]);
      // Nothing enforces authentication yet: no security requirement, the future scopes as an extension.
      expect(response.body.paths['/v1/contracts'].post.security).toBeUndefined();
      expect(response.body.paths['/v1/contracts'].post['x-required-scopes']).toEqual(['contracts:write']);
      // The registry can take its own description: every $ref in it resolves.
      const self = await call('POST', '/v1/contracts?name=aif-self', response.body);
      expect(self.status, JSON.stringify(self.body)).toBe(201);
      // ANY routes are documented as each of the seven methods, GET routes with HEAD beside them.
      expect(self.body.contract.endpoints).toHaveLength(
        routes.reduce((count, r) => count + (r.method === 'ANY' ? 7 : r.method === 'GET' ? 2 : 1), 0),
      );
    });
  });
});
