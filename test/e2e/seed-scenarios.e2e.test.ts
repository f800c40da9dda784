/**
 * The design document's own test scenarios (its "Contract Test Implementation", "Event Integration
 * Tests" and "Service Mesh Tests"), replayed over HTTP against the local runner with the document's
 * example objects as written. Its `Map`s travel as JSON objects (`Object.fromEntries`), and its
 * in-process handlers become webhooks of the sample receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';

// ---- The seed's fixtures, in its shapes -------------------------------------------------------

/** The seed's `registry.register({...})` argument (Contract Test Implementation). */
const seedContract = {
  id: 'agent-api-v1',
  version: '1.0.0',
  name: 'agent-api',
  description: 'Agent communication API',
  baseUrl: 'http://localhost:8080',
  authentication: {
    type: 'bearer',
    scopes: ['agent:read', 'agent:write'],
  },
  endpoints: [
    {
      path: '/agents',
      method: 'POST',
      description: 'Create a new agent',
      requestSchema: 'CreateAgentRequest',
      responseSchema: 'AgentResponse',
      errorSchemas: ['ValidationError', 'AuthError'],
      timeout: 5000,
    },
  ],
  schemas: new Map([
    [
      'CreateAgentRequest',
      {
        type: 'object',
        properties: {
          name: { type: 'string' },
          type: { type: 'string' },
          capabilities: { type: 'object' },
        },
        required: ['name', 'type'],
      },
    ],
  ]),
  errorCodes: new Map([
    [400, { message: 'Bad Request', description: 'Invalid request body' }],
    [401, { message: 'Unauthorized', description: 'Missing or invalid token' }],
  ]),
};

/** The seed's IntegrationEvent literals (Event Integration Tests). */
const seedEvent = (id: string, type: string, payload: Record<string, unknown>) => ({
  id,
  type,
  version: '1.0',
  source: 'test',
  timestamp: Date.now(),
  payload,
  metadata: {},
});

/** The seed's `mesh.registerService({...})` arguments (Service Mesh Tests). */
const seedWorker1 = {
  id: 'worker-1',
  name: 'worker',
  version: '1.0.0',
  endpoint: 'http://localhost:3001',
  healthEndpoint: 'http://localhost:3001/health',
  metadata: {},
  weight: 1,
  status: 'healthy',
  lastHealthCheck: Date.now(),
};
const seedWorker2 = {
  id: 'worker-2',
  name: 'worker',
  version: '1.0.0',
  endpoint: 'http://localhost:3002',
  healthEndpoint: 'http://localhost:3002/health',
  metadata: {},
  weight: 1,
  status: 'unhealthy',
  lastHealthCheck: Date.now(),
};
const seedGateway1 = {
  id: 'gateway-1',
  name: 'gateway',
  version: '1.0.0',
  endpoint: 'http://localhost:8080',
  healthEndpoint: 'http://localhost:8080/health',
  metadata: {},
  weight: 1,
  status: 'healthy',
  lastHealthCheck: Date.now(),
};
/** The seed's `mesh.addRoutingRule({...})` argument. */
const seedRule = {
  id: 'rule-1',
  sourceService: 'gateway',
  targetService: 'worker',
  weight: 1,
  timeout: 5000,
  retries: 3,
};

// ---- Over HTTP --------------------------------------------------------------------------------

describe('local runner: the seed document’s test scenarios over HTTP', () => {
  let server: LocalServer;
  let receiver: WebhookReceiver;
  const echoes: Record<string, EchoService> = {};

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const receivedOf = (type: string) => receiver.received.filter((r) => r.type === type);

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    receiver = await startWebhookReceiver(0);
    for (const name of ['worker-1', 'worker-2']) echoes[name] = await startEchoService(0, name);
  });
  afterAll(async () => {
    await Promise.all(Object.values(echoes).map((e) => e.close()));
    await receiver?.close();
    await server?.close();
  });

  describe('API Contract Tests', () => {
    it('registers the seed contract as written, warning about the schemas it names but does not define', async () => {
      // Prepare
      const body = {
        ...seedContract,
        schemas: Object.fromEntries(seedContract.schemas),
        errorCodes: Object.fromEntries(seedContract.errorCodes),
      };

      // Act
      const registered = await api('POST', '/v1/contracts', body);

      // Assess
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      expect(registered.body.contract.endpoints[0].errorSchemas).toEqual(['ValidationError', 'AuthError']);
      expect(registered.body.warnings.map((w: { pointer: string }) => w.pointer)).toEqual([
        '/endpoints/0/responseSchema',
        '/endpoints/0/errorSchemas/0',
        '/endpoints/0/errorSchemas/1',
      ]);
    });

    it('validates a correct request (should validate a correct request)', async () => {
      // Act
      const result = await api('POST', '/v1/contracts/agent-api/validate', {
        method: 'POST',
        path: '/agents',
        request: { body: { name: 'test-agent', type: 'worker' } },
      });

      // Assess
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ valid: true, errors: [] });
    });

    it('rejects a request missing required fields (should reject a request missing required fields)', async () => {
      // Act
      const result = await api('POST', '/v1/contracts/agent-api/validate', {
        method: 'POST',
        path: '/agents',
        request: { body: { name: 'test-agent' } },
      });

      // Assess
      expect(result.body.valid).toBe(false);
      expect(result.body.errors).toEqual([
        { instancePath: '/body/type', keyword: 'required', message: "must have required property 'type'" },
      ]);
    });

    it('fails a response whose schema the contract does not define, naming it', async () => {
      // Act
      const result = await api('POST', '/v1/contracts/agent-api/validate-response', {
        method: 'POST',
        path: '/agents',
        status: 401,
        body: { message: 'Unauthorized' },
      });

      // Assess
      expect(result.status).toBe(200);
      expect(result.body.valid).toBe(false);
      expect(result.body.errors.map((e: { message: string }) => e.message)).toEqual([
        'schema "ValidationError" is not defined in the contract\'s schemas',
        'schema "AuthError" is not defined in the contract\'s schemas',
      ]);
    });
  });

  describe('Event Bus Integration Tests', () => {
    it('delivers events to all matching subscribers (should deliver events to all matching subscribers)', async () => {
      // Prepare
      for (const [id, priority] of [
        ['sub-1', 1],
        ['sub-2', 2],
      ] as const) {
        const created = await api('POST', '/v1/subscriptions', {
          id,
          eventType: 'agent.created',
          target: { type: 'webhook', url: `${receiver.url}/ok` },
          priority,
          maxRetries: 0,
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
      }

      // Act
      const published = await api('POST', '/v1/events', seedEvent('evt-1', 'agent.created', { agentId: 'agent-1' }));
      await server.drainDeliveries();

      // Assess
      expect(published.status, JSON.stringify(published.body)).toBe(202);
      expect(published.body).toMatchObject({ failedEntryCount: 0, results: [{ id: 'evt-1', status: 'published' }] });
      expect(receivedOf('agent.created').map((r) => r.status)).toEqual([204, 204]);
    });

    it('moves failed events to dead letters (should move failed events to dead letter queue)', async () => {
      // Prepare
      const created = await api('POST', '/v1/subscriptions', {
        id: 'sub-failing',
        eventType: 'agent.error',
        target: { type: 'webhook', url: `${receiver.url}/fail` },
        priority: 1,
        maxRetries: 1,
        retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 100, maxDelayMs: 100 },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);

      // Act
      const published = await api('POST', '/v1/events', seedEvent('evt-fail', 'agent.error', {}));
      await server.drainDeliveries();
      const deadLetters = await api('GET', '/v1/dead-letters?subscriptionId=sub-failing');

      // Assess
      expect(published.status).toBe(202);
      expect(deadLetters.body.items).toHaveLength(1);
      expect(deadLetters.body.items[0]).toMatchObject({
        eventId: 'evt-fail',
        attempts: 2,
        reason: 'retries-exhausted',
      });
    });

    it('filters events by the subscription filter (should filter events based on subscription filter)', async () => {
      // Prepare: the seed's `filter: (event) => event.payload['priority'] === 'high'`, as an event pattern
      const created = await api('POST', '/v1/subscriptions', {
        id: 'sub-filtered',
        eventType: 'agent.updated',
        target: { type: 'webhook', url: `${receiver.url}/ok` },
        filter: { priority: ['high'] },
        priority: 1,
        maxRetries: 0,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);

      // Act
      const low = await api('POST', '/v1/events', seedEvent('evt-low', 'agent.updated', { priority: 'low' }));
      const high = await api('POST', '/v1/events', seedEvent('evt-high', 'agent.updated', { priority: 'high' }));
      await server.drainDeliveries();

      // Assess
      expect([low.status, high.status]).toEqual([202, 202]);
      expect(receivedOf('agent.updated')).toHaveLength(1);
    });

    it('answers 207 with the failed count when a batch is published in part', async () => {
      // Act
      const result = await api('POST', '/v1/events', [
        seedEvent('evt-part-1', 'agent.created', { agentId: 'agent-2' }),
        { ...seedEvent('evt-part-2', 'agent.created', {}), version: 'latest' },
      ]);

      // Assess
      expect(result.status).toBe(207);
      expect(result.body.failedEntryCount).toBe(1);
      expect(result.body.results.map((r: { status: string }) => r.status)).toEqual(['published', 'rejected']);
      expect(result.body.results[1].errors[0].pointer).toBe('/1/version');
    });
  });

  describe('Service Mesh Tests', () => {
    it('registers the seed instances as written and routes only to the healthy one (should route to healthy instances)', async () => {
      // Prepare: the seed's instances, answering on echo services instead of ports 3001/3002
      const registrations = await Promise.all(
        [seedWorker1, seedWorker2].map((seed) => {
          const echo = echoes[seed.id] as EchoService;
          return api('POST', '/v1/services', { ...seed, endpoint: echo.url, healthEndpoint: `${echo.url}/health` });
        }),
      );

      // Act
      const routed = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${server.url}/v1/mesh/worker/agents`).then((r) => r.json() as Promise<{ instance: string }>),
        ),
      );
      const topology = await api('GET', '/v1/topology');

      // Assess
      expect(registrations.map((r) => r.status)).toEqual([201, 201]);
      expect(registrations[0]?.body.warnings.map((w: { pointer: string }) => w.pointer)).toEqual(['/lastHealthCheck']);
      expect(new Set(routed.map((echo) => echo.instance))).toEqual(new Set(['worker-1']));
      const workerService = topology.body.services.find((s: { name: string }) => s.name === 'worker');
      expect(workerService).toMatchObject({ instanceCount: 2, healthyCount: 1 });
    });

    it('generates the service topology from the seed routing rule (should generate service topology)', async () => {
      // Act
      const gateway = await api('POST', '/v1/services', seedGateway1);
      const rule = await api('POST', '/v1/routing-rules', seedRule);
      const topology = await api('GET', '/v1/topology');

      // Assess
      expect(gateway.status).toBe(201);
      expect(rule.status, JSON.stringify(rule.body)).toBe(201);
      expect(rule.body).toMatchObject({ weight: 1, timeoutMs: 5000, retries: 3 });
      expect(topology.body.connections).toHaveLength(1);
      expect(topology.body.connections[0]).toMatchObject({ source: 'gateway', target: 'worker' });
    });

    it("routes to the rule's target, ignoring the x-mesh-source a client sends: the router names the caller", async () => {
      // Act: with auth off every caller is default/anonymous, whatever it claims to be
      const response = await fetch(`${server.url}/v1/mesh/worker/agents`, { headers: { 'x-mesh-source': 'gateway' } });

      // Assess
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ instance: 'worker-1', meshSource: 'default/anonymous' });
    });
  });
});
