import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../local/demo';
import { trafficValidator, type Verdict } from '../support/openapi-traffic';
import { expectedOutput, readmeExamples, runReadmeCommand } from '../support/readme';
import { type RecordingProxy, startRecordingProxy } from '../support/recording-proxy';

const JSON_BODY = { 'content-type': 'application/json' };

/**
 * The API's own OpenAPI document tells the truth: the walkthrough (docs/walkthrough.md), then the routes it does
 * not call (every operation, HEAD beside each GET, every method of the mesh router, YAML, 406 and
 * 415), go through a recording proxy in front of the local runner, and Stoplight Prism's validator
 * checks every request and every answer against the served `/v1/openapi.json`.
 */
describe('the served OpenAPI document', () => {
  let demo: Demo;
  let proxy: RecordingProxy;
  let document: Record<string, unknown>;

  const call = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${proxy.url}${path}`, { method, headers: init.headers, body: init.body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  };
  const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(method, path, { body: JSON.stringify(body), headers: { ...JSON_BODY, ...headers } });
  // Requests the document rightly refuses, sent to see the API's answer (415, 422): their answers must conform.
  const refusedOnPurpose = new Set<number>();
  const refused = (send: () => Promise<unknown>) => {
    refusedOnPurpose.add(proxy.exchanges.length);
    return send();
  };

  beforeAll(async () => {
    // What the walkthrough runs against: `npm run demo`, on free ports.
    demo = await startDemo({ api: 0, receiver: 0, echoes: [0, 0] });
    proxy = await startRecordingProxy(demo.server.url);
    document = JSON.parse((await call('GET', '/v1/openapi.json')).text);
  });
  afterAll(async () => {
    await proxy?.close();
    await demo?.close();
  });

  it('is a valid OpenAPI 3.1 document (the 3.1 meta-schema)', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(validator.version).toBe('3.1');
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lets the walkthrough through, answering as printed, with zero violations', async () => {
    const [echoA, echoB] = demo.echoes;
    const urls = { api: proxy.url, receiver: demo.receiver.url, echoA: echoA!.url, echoB: echoB!.url };
    for (const { command, expected } of readmeExamples()) {
      expect(await runReadmeCommand(command, urls), command).toMatch(expectedOutput(expected));
    }
    const verdicts = await verdictsOf(proxy.exchanges);
    expect(verdicts.length).toBeGreaterThan(60);
    expect(verdicts.filter((v) => v.request.length + v.response.length > 0)).toEqual([]);
  });

  it('lets a call of every operation through with zero violations', async () => {
    await callEveryRoute();
    const getExchanges = proxy.exchanges.filter((e) => e.request.method === 'GET');
    for (const exchange of uniqueBy(getExchanges, (e) => new URL(e.request.url, proxy.url).pathname)) {
      await call('HEAD', exchange.request.url);
    }
    // Everything since the document was fetched: the walkthrough's calls (checked above too) and these.
    const verdicts = await verdictsOf(proxy.exchanges);
    const valid = verdicts.filter((_, i) => !refusedOnPurpose.has(i));
    const invalid = verdicts.filter((_, i) => refusedOnPurpose.has(i));
    expect(invalid).toHaveLength(2);
    expect(valid.filter((v) => v.request.length + v.response.length > 0)).toEqual([]);
    expect(invalid.filter((v) => v.request.length === 0 || v.response.length > 0)).toEqual([]);
    const called = new Set(verdicts.map((v) => v.operationId));
    const documented = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((item) => Object.values(item))
      .map((operation) => operation.operationId);
    expect(documented.filter((id) => !called.has(id))).toEqual([]);
  });

  async function verdictsOf(exchanges: typeof proxy.exchanges): Promise<Verdict[]> {
    const validate = await trafficValidator(document);
    return exchanges.map(validate);
  }

  // Every operation the walkthrough does not call, and the answers every route can give (406, 415, YAML).
  async function callEveryRoute(): Promise<void> {
    await call('GET', '/v1/openapi.json', { headers: { accept: 'application/yaml' } });
    await call('GET', '/v1/proto', { headers: { accept: 'text/plain' } });
    await call('GET', '/v1/proto', { headers: { accept: 'application/json' } }); // 406: it answers text/plain only
    await call('GET', '/console', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    await call('GET', '/console/app.js', { headers: { accept: '*/*' } });
    await call('GET', '/console/app.css', { headers: { accept: 'text/css,*/*;q=0.1' } });
    await call('GET', '/v1/state');
    await call('GET', '/v1/state?window=1h');
    await call('GET', '/v1/contracts?limit=2');
    await call('GET', '/v1/contracts/petstore', { headers: { accept: 'application/yaml' } });
    await call('GET', '/v1/contracts/petstore', { headers: { accept: 'application/xml' } }); // 406
    await refused(() =>
      call('POST', '/v1/contracts', { body: '<x/>', headers: { 'content-type': 'application/xml' } }),
    );
    await call('GET', '/v1/contracts/petstore/versions');
    await call('GET', '/v1/contracts/petstore/versions?limit=1&cursor=bm90LWEtY3Vyc29y'); // 400
    await call('GET', '/v1/contracts/petstore/versions/1.0.0');
    await call('GET', '/v1/contracts/petstore/versions/9.9.9'); // 404
    await call('GET', '/v1/contracts/petstore/compatibility?from=1.0.0&to=1.0.0&direction=FULL');
    await call('GET', '/v1/contracts/petstore/compatibility?from=1.0.0&to=9.9.9'); // 404
    await json('POST', '/v1/contracts?name=openapi-self', document);
    await call('DELETE', '/v1/contracts/openapi-self/versions/1.0.0');
    const rename = { version: '1.0.0', description: 'name becomes title', expression: '{ "title": name }' };
    await json('PUT', '/v1/transformers/rename', rename); // 201
    await json('PUT', '/v1/transformers/rename', rename); // 200
    await json('PUT', '/v1/transformers/rename', { ...rename, expression: '{ "title": ' }); // 422
    await json('PUT', '/v1/transformers/rename', { ...rename, expression: '$' }); // 409
    await call('GET', '/v1/transformers?limit=5');
    await call('GET', '/v1/transformers/rename');
    await call('GET', '/v1/transformers/rename?version=1.0.0');
    const transform = { from: 'application/json', to: 'application/cbor', pipeline: [{ transformer: 'rename' }] };
    await json('POST', '/v1/transform', { ...transform, body: { name: 'x' } });
    await json('POST', '/v1/transform', { ...transform, body: { id: 1 } }); // 422: the mapping produced no value
    await call('DELETE', '/v1/transformers/rename?version=1.0.0');
    await call('DELETE', '/v1/transformers/rename'); // 404
    await call('GET', '/v1/error-policies');
    const firstPolicies = JSON.parse((await call('GET', '/v1/error-policies?limit=2')).text) as { nextCursor: string };
    await call('GET', `/v1/error-policies?limit=100&cursor=${firstPolicies.nextCursor}`);
    await call('GET', '/v1/error-policies/HTTP_503');
    await call('GET', '/v1/error-policies/transient');
    const policy = {
      category: 'permanent',
      maxRetries: 0,
      backoffStrategy: 'constant',
      initialDelayMs: 100,
      maxDelayMs: 100,
      alertThreshold: 5,
    };
    await json('PUT', '/v1/error-policies/HTTP_418', policy, { 'if-none-match': '*' }); // 201
    await json('PUT', '/v1/error-policies/HTTP_418', policy, { 'if-match': '"1"' }); // 200
    await json('PUT', '/v1/error-policies/HTTP_418', policy, { 'if-match': '"7"' }); // 412
    await call('DELETE', '/v1/error-policies/HTTP_418');
    await json('POST', '/v1/errors', { source: 'agent:planner' }); // 422: no category to classify by
    await call('GET', '/v1/events?correlationId=evt-1');
    await call('GET', '/v1/events/evt-1');
    await call('GET', '/v1/event-log?type=order.created&limit=5');
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await call('GET', `/v1/event-log?from=${hourAgo}&to=${hourAgo}`); // 422: the window is empty
    await call('GET', '/v1/subscriptions');
    await call('GET', '/v1/subscriptions/all-orders');
    await call('GET', '/v1/subscriptions/nobody'); // 404
    await json('POST', '/v1/subscriptions/all-orders/rotate-secret', { overlapSeconds: 60 });
    await call('DELETE', '/v1/dead-letters/dl-1796040000000-0123abcd'); // 404
    await refused(() => json('POST', '/v1/events', [{ id: 'evt-9', type: 'order.created', source: 'shop' }])); // 422
    const from = new Date(Date.now() - 3_600_000).toISOString();
    await json('POST', '/v1/replays', { name: 'replay-1', from, to: new Date().toISOString() });
    await call('GET', '/v1/replays/replay-1');
    await json('POST', '/v1/routing-rules', { id: 'rule-1', sourceService: 'web', targetService: 'orders' });
    await json('POST', '/v1/routing-rules', { id: 'rule-1', sourceService: 'web', targetService: 'orders' });
    await call('GET', '/v1/routing-rules');
    await call('DELETE', '/v1/routing-rules/rule-1');
    await call('GET', '/v1/topology');
    await call('GET', '/v1/audit?limit=5&outcome=allowed&from=2020-01-01T00:00:00Z');
    await call('GET', '/v1/services');
    await call('PUT', '/v1/services/orders/breaker-config', {
      body: JSON.stringify({ failureThreshold: 5, resetTimeoutMs: 30_000 }),
      headers: JSON_BODY,
    });
    await call('GET', '/v1/services/orders/breaker-config');
    // With auth off the tenant is `default`: its secrets are named aif/local/mesh/default/….
    await call('PUT', '/v1/services/orders/upstream-credential', {
      body: JSON.stringify({ secretName: 'aif/local/mesh/default/orders', header: 'x-api-key' }),
      headers: JSON_BODY,
    });
    await call('PUT', '/v1/services/orders/upstream-credential', {
      body: JSON.stringify({ secretName: 'elsewhere/orders' }),
      headers: JSON_BODY,
    });
    await call('GET', '/v1/services/orders/upstream-credential');
    await call('DELETE', '/v1/services/orders/upstream-credential');
    await call('GET', '/v1/services/nobody/upstream-credential');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']) {
      const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
      await call(method, '/v1/mesh/orders/items/42', hasBody ? { body: '{"n":1}', headers: JSON_BODY } : {});
    }
    await call('GET', '/v1/mesh/nobody/items/42');
    await call('GET', '/v1/services/nobody/instances');
    await call('GET', '/v1/services/nobody/breaker-config');
    await call('DELETE', '/v1/services/orders-b');
  }
});

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
