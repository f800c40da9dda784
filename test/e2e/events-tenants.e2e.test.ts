import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/server';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { webhookId } from '../../shared/use-cases/deliver-event';
import { bearerCall } from '../support/http';
import { AUTH_TEST_NOW_SECONDS } from '../support/jwks';
import { startAuthServer } from '../support/local-auth';

const SCOPES = ['events:read', 'events:write', 'events:replay', 'subscriptions:read', 'subscriptions:write'];

describe('local runner with --auth jwt: the event bus per tenant', () => {
  let server: LocalServer;
  // One webhook receiver per tenant: what each tenant's subscriptions were sent.
  const receivers: Partial<Record<'a' | 'b', WebhookReceiver>> = {};
  const tokens: Record<'a' | 'b', string> = { a: '', b: '' };

  const call = (who: 'a' | 'b', method: string, path: string, body?: unknown) =>
    bearerCall(server.url, tokens[who], method, path, body);
  const event = (id: string, source: string, metadata: Record<string, unknown> = {}) => ({
    id,
    type: 'order.created',
    version: '1.0',
    source,
    timestamp: AUTH_TEST_NOW_SECONDS * 1000,
    payload: { orderId: id },
    metadata,
  });
  const subscription = (id: string, to: 'a' | 'b') => ({
    id,
    eventType: 'order.created',
    target: { type: 'webhook', url: `${receivers[to]?.url}/ok` },
    maxRetries: 0,
  });
  const webhookIdsAt = (to: 'a' | 'b') => receivers[to]?.received.map((r) => r.webhookId);

  beforeAll(async () => {
    server = await startAuthServer();
    receivers.a = await startWebhookReceiver(0);
    receivers.b = await startWebhookReceiver(0);
    if (server.auth.mode !== 'jwt' || !server.auth.localIssuer) throw new Error('expected the local issuer');
    const issuer = server.auth.localIssuer;
    tokens.a = await issuer.issue({ scopes: SCOPES, tenant: 'acme', subject: 'shop', ttlSeconds: 600 });
    tokens.b = await issuer.issue({ scopes: SCOPES, tenant: 'globex', subject: 'intruder', ttlSeconds: 600 });
  });
  afterAll(async () => {
    await receivers.a?.close();
    await receivers.b?.close();
    await server?.close();
  });

  it("delivers A's events to A's subscriptions only, whatever B subscribes to or claims in metadata", async () => {
    // Prepare: both subscribe to the same type, under the same id
    const subscribedA = await call('a', 'POST', '/v1/subscriptions', subscription('orders', 'a'));
    const subscribedB = await call('b', 'POST', '/v1/subscriptions', subscription('orders', 'b'));

    // Act: A publishes; B publishes an event that claims to be A's
    const byA = await call('a', 'POST', '/v1/events', event('evt-a1', 'acme.shop'));
    const forged = await call('b', 'POST', '/v1/events', event('evt-b1', 'globex.shop', { 'aif-tenant': 'acme' }));
    await server.drainDeliveries();

    // Assess
    expect([subscribedA.status, subscribedB.status]).toEqual([201, 201]);
    expect([byA.status, forged.status]).toEqual([202, 202]);
    expect(webhookIdsAt('a')).toEqual([webhookId('evt-a1', 'orders')]);
    expect(webhookIdsAt('b')).toEqual([webhookId('evt-b1', 'orders')]);
  });

  it("refuses B A's source and the framework's aif.* sources, per entry, while B's own entry publishes", async () => {
    // Act
    const published = await call('b', 'POST', '/v1/events', [
      event('evt-b2', 'acme.shop'),
      event('evt-b3', 'aif.errors'),
      event('evt-b4', 'globex.shop'),
    ]);

    // Assess
    expect(published.status).toBe(207);
    expect(published.body.results.map((r: { id: string; status: string }) => `${r.id} ${r.status}`)).toEqual([
      'evt-b2 forbidden',
      'evt-b3 forbidden',
      'evt-b4 published',
    ]);
  });

  it("answers B 404 for A's event, subscription and replay, and lists B's own only", async () => {
    // Prepare
    await call('a', 'POST', '/v1/subscriptions', subscription('a-only', 'a'));
    const range = {
      from: new Date((AUTH_TEST_NOW_SECONDS - 3600) * 1000).toISOString(),
      to: new Date(AUTH_TEST_NOW_SECONDS * 1000).toISOString(),
    };
    const replayA = await call('a', 'POST', '/v1/replays', { name: 'a-replay', ...range });

    // Act
    const answers = [
      await call('b', 'GET', '/v1/events/evt-a1'),
      await call('b', 'GET', '/v1/subscriptions/a-only'),
      await call('b', 'DELETE', '/v1/subscriptions/a-only'),
      await call('b', 'GET', '/v1/replays/a-replay'),
    ];
    const listed = await call('b', 'GET', '/v1/subscriptions');
    const stillThere = await call('a', 'GET', '/v1/subscriptions/a-only');

    // Assess
    expect(replayA.status).toBe(202);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect(
      listed.body.items.map((s: { id: string; owner: { tenant: string } }) => `${s.owner.tenant}/${s.id}`),
    ).toEqual(['globex/orders']);
    expect(stillThere.status).toBe(200);
  });
});
