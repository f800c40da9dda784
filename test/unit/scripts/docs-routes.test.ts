import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../functions/routes';
import { ROUTE_REFERENCE_PATH, renderRouteReference } from '../../../scripts/docs-routes';
import type { RouteDefinition } from '../../../shared/http/route-definition';
import { ROOT } from '../../support/readme';

const route = (overrides: Partial<RouteDefinition>): RouteDefinition => ({
  operationId: 'getThing',
  method: 'GET',
  path: '/v1/things/{id}',
  function: 'things',
  summary: 'Read a thing',
  tags: ['things'],
  scopes: ['things:read'],
  responses: { 200: { description: 'The thing' } },
  ...overrides,
});

describe('renderRouteReference', () => {
  it('lists every route of a table with its method, path, operation, scopes, formats and summary', () => {
    // Prepare
    const table = [
      route({}),
      route({ operationId: 'putThing', method: 'PUT', scopes: ['things:write'], formats: ['yaml'], summary: 'a | b' }),
      route({ operationId: 'getOpen', path: '/v1/open', function: 'system', public: true, scopes: [] }),
    ];

    // Act
    const markdown = renderRouteReference(table);

    // Assess
    expect(markdown).toContain('## things function');
    expect(markdown).toContain('## system function');
    expect(markdown).toContain(
      '| GET | `/v1/things/{id}` | `getThing` | `things:read` | JSON, MessagePack, CBOR, Protobuf | Read a thing |',
    );
    expect(markdown).toContain(
      '| PUT | `/v1/things/{id}` | `putThing` | `things:write` | JSON, MessagePack, CBOR, Protobuf, YAML | a \\| b |',
    );
    expect(markdown).toContain('| GET | `/v1/open` | `getOpen` | public |');
    expect(markdown.endsWith('\n')).toBe(true);
  });

  it(`matches ${ROUTE_REFERENCE_PATH}, which holds every route of the route table`, () => {
    // Prepare
    const committed = readFileSync(`${ROOT}${ROUTE_REFERENCE_PATH}`, 'utf8');

    // Act
    const rendered = renderRouteReference();

    // Assess
    for (const { operationId } of routes) expect(rendered).toContain(`\`${operationId}\``);
    expect(committed === rendered, `${ROUTE_REFERENCE_PATH} is stale: run \`npm run docs:routes\` and commit it`).toBe(
      true,
    );
  });
});
