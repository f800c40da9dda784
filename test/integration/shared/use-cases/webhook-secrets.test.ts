import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbDeadLetterRepository } from '../../../../shared/adapters/dynamodb/dead-letter-repository';
import { DynamoDbSubscriptionRepository } from '../../../../shared/adapters/dynamodb/subscription-repository';
import { deliveryTable } from '../../../../shared/adapters/dynamodb/table-definitions';
import { signWebhook } from '../../../../shared/adapters/http/webhook-signer';
import { LocalSecretCipher } from '../../../../shared/adapters/local/local-secret-cipher';
import { ConflictError } from '../../../../shared/domain/errors';
import { SecretUnsealError } from '../../../../shared/domain/events/errors';
import type { IntegrationEvent } from '../../../../shared/domain/events/integration-event';
import { encryptionContextOf } from '../../../../shared/domain/events/webhook-secret';
import { deliveryFormats } from '../../../../shared/http/codecs/delivery-formats';
import type { ErrorCount, ErrorCounterRepository } from '../../../../shared/ports/error-counter';
import type { HttpRequest } from '../../../../shared/ports/http-client';
import { type DeliverDeps, deliverEvent } from '../../../../shared/use-cases/deliver-event';
import { ErrorPolicyCache } from '../../../../shared/use-cases/error-policy-cache';
import {
  createSubscription,
  getSubscription,
  listSubscriptions,
  rotateSubscriptionSecret,
  type SubscriptionDeps,
} from '../../../../shared/use-cases/subscriptions';
import { recordingClock } from '../../../support/clock';
import { freshTable } from '../../../support/dynamodb';
import { memoryQuotaCounter, TEST_QUOTA_LIMITS } from '../../../support/quotas';
import { TEST_SECRET_KEY } from '../../../support/secrets';

const START = Date.parse('2026-11-30T10:00:00.000Z');
const OWNER = { tenant: 'acme', principal: 'agent-1' };
const HOUR_S = 3600;

const event: IntegrationEvent = {
  id: 'evt-1',
  type: 'order.created',
  version: '1.0.0',
  source: 'shop.orders',
  timestamp: START,
  payload: { orderId: 'o-1', total: 120 },
  metadata: { 'aif-tenant': OWNER.tenant },
};

/** Counters that count nothing: failures are not what these tests look at. */
const counters: ErrorCounterRepository = {
  increment: async (key, fields) =>
    ({ ...key, category: fields.category, count: 1, lastSeenAt: fields.seenAt }) as ErrorCount,
  claimAlert: async () => false,
  confirmAlert: async () => {},
  get: async () => undefined,
  list: async () => ({ items: [] }),
};

async function setUp() {
  const { client, tableName } = await freshTable(deliveryTable);
  const clock = recordingClock(START);
  const cipher = new LocalSecretCipher(TEST_SECRET_KEY);
  const subscriptions = new DynamoDbSubscriptionRepository(client, tableName);
  const deadLetters = new DynamoDbDeadLetterRepository(client, tableName, 30);
  const policyCache = new ErrorPolicyCache(
    { list: async () => [], get: vi.fn(), put: vi.fn(), delete: vi.fn() },
    clock,
  );
  const manage: SubscriptionDeps = {
    subscriptions,
    rules: { put: async () => ({}), remove: async () => {} },
    policyCache,
    clock,
    outboundRules: {},
    cipher,
    rotationOverlapSeconds: 24 * HOUR_S,
    formats: deliveryFormats,
    quotas: memoryQuotaCounter(),
    limits: TEST_QUOTA_LIMITS,
  };
  const requests: HttpRequest[] = [];
  let status = 204;
  const deliver: DeliverDeps = {
    subscriptions,
    deadLetters,
    queue: { changeVisibility: async () => {}, send: async () => {} },
    http: {
      request: async (request) => {
        requests.push(request);
        return { status, headers: {}, body: Buffer.alloc(0) };
      },
    },
    sign: signWebhook,
    formats: deliveryFormats,
    cipher,
    newDeadLetterId: (nowMs) => `dl-${nowMs}-00000001`,
    counters,
    policyCache,
    events: { publish: async (batch) => batch.map((e) => ({ id: e.id, status: 'published' as const })) },
    clock,
  };
  const rawItem = async (key: Record<string, string>) =>
    (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  const answer = (next: number) => {
    status = next;
  };
  return { manage, deliver, requests, clock, cipher, rawItem, answer };
}

const send = (deps: DeliverDeps, subscriptionId: string) =>
  deliverEvent(deps, { message: { tenant: OWNER.tenant, subscriptionId, event }, attempt: 1, receiptHandle: 'r-1' });

/** What the official Standard Webhooks verifier says of a request, at the system time the test sets. */
function verifies(secret: string, request: HttpRequest): boolean {
  try {
    new Webhook(secret).verify(request.body as string, request.headers);
    return true;
  } catch {
    return false;
  }
}

describe('webhook secrets (dynalite, local cipher)', () => {
  let ctx: Awaited<ReturnType<typeof setUp>>;

  beforeAll(async () => {
    ctx = await setUp();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('stores no whsec_ in the raw item, and shows the secret only in the answer that made it', async () => {
    // Act
    const { subscription } = await createSubscription(
      ctx.manage,
      {
        id: 'raw-sub',
        eventType: 'order.created',
        target: { type: 'webhook', url: 'https://hooks.example.com/a?t=1' },
      },
      OWNER,
    );
    const raw = await ctx.rawItem({ pk: 'SUBSCRIPTION#acme', sk: 'raw-sub' });
    const got = await getSubscription(ctx.manage, OWNER.tenant, 'raw-sub');
    const listed = (await listSubscriptions(ctx.manage, OWNER.tenant, { limit: 100 })).items;

    // Assess
    expect(subscription.target.secret).toMatch(/^whsec_/);
    expect(JSON.stringify(raw)).not.toContain('whsec_');
    expect(JSON.stringify(raw)).not.toContain((subscription.target.secret as string).slice(6));
    expect(JSON.stringify([got, listed])).not.toContain('whsec_');
    expect(got.target.secrets).toEqual([
      { last4: (subscription.target.secret as string).slice(-4), createdAt: subscription.createdAt },
    ]);
  });

  it('fails to decrypt a sealed secret under another tenant or another subscription id', async () => {
    // Prepare
    const sealed = await ctx.cipher.encrypt(
      `whsec_${'B'.repeat(43)}=`,
      encryptionContextOf({ tenant: 'acme', id: 's' }),
    );

    // Act
    const otherTenant = ctx.cipher.decrypt(sealed, encryptionContextOf({ tenant: 'globex', id: 's' }));
    const otherId = ctx.cipher.decrypt(sealed, encryptionContextOf({ tenant: 'acme', id: 't' }));
    const same = ctx.cipher.decrypt(sealed, encryptionContextOf({ tenant: 'acme', id: 's' }));

    // Assess
    await expect(otherTenant).rejects.toBeInstanceOf(SecretUnsealError);
    await expect(otherId).rejects.toBeInstanceOf(SecretUnsealError);
    await expect(same).resolves.toBe(`whsec_${'B'.repeat(43)}=`);
  });

  it('signs with both secrets during the overlap window and with the new one only after it (official verifier)', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    const { subscription } = await createSubscription(
      ctx.manage,
      {
        id: 'rotating-sub',
        eventType: 'order.created',
        target: { type: 'webhook', url: 'https://hooks.example.com/r' },
      },
      OWNER,
    );
    const oldSecret = subscription.target.secret as string;
    const rotated = await rotateSubscriptionSecret(ctx.manage, OWNER.tenant, 'rotating-sub', {
      overlapSeconds: HOUR_S,
    });
    const newSecret = rotated.target.secret as string;

    // Act: one delivery inside the hour, one after it
    vi.setSystemTime(ctx.clock.now());
    await send(ctx.deliver, 'rotating-sub');
    const during = ctx.requests.at(-1) as HttpRequest;
    ctx.clock.advance(HOUR_S * 1000 + 1000);
    vi.setSystemTime(ctx.clock.now());
    await send(ctx.deliver, 'rotating-sub');
    const after = ctx.requests.at(-1) as HttpRequest;

    // Assess
    expect(newSecret).not.toBe(oldSecret);
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    vi.setSystemTime(Number(during.headers['webhook-timestamp']) * 1000);
    expect([verifies(oldSecret, during), verifies(newSecret, during)]).toEqual([true, true]);
    vi.setSystemTime(Number(after.headers['webhook-timestamp']) * 1000);
    expect(after.headers['webhook-signature']?.split(' ')).toHaveLength(1);
    expect([verifies(oldSecret, after), verifies(newSecret, after)]).toEqual([false, true]);
  });

  it('lets exactly one of two rotations that read the same secret write; the other is a conflict', async () => {
    // Prepare: both rotations have read the subscription before either writes
    await createSubscription(
      ctx.manage,
      { id: 'race-sub', eventType: 'order.created', target: { type: 'webhook', url: 'https://hooks.example.com/x' } },
      OWNER,
    );
    const repository = ctx.manage.subscriptions;
    const read = await repository.get({ tenant: OWNER.tenant, id: 'race-sub' });
    const stale: Pick<typeof repository, 'get' | 'replaceSecrets'> = {
      get: async () => read,
      replaceSecrets: (key, expected, secrets) => repository.replaceSecrets(key, expected, secrets),
    };
    const deps = { ...ctx.manage, subscriptions: stale as typeof repository };

    // Act
    const results = await Promise.allSettled([
      rotateSubscriptionSecret(deps, OWNER.tenant, 'race-sub', {}),
      rotateSubscriptionSecret(deps, OWNER.tenant, 'race-sub', {}),
    ]);

    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')?.reason).toBeInstanceOf(ConflictError);
    const stored = await getSubscription(ctx.manage, OWNER.tenant, 'race-sub');
    const winner = (won[0] as PromiseFulfilledResult<{ target: { secret?: string } }>).value.target.secret as string;
    expect(stored.target.secrets[0]?.last4).toBe(winner.slice(-4));
  });

  it('keeps secrets and webhook paths out of dead letters, which expire with the event retention', async () => {
    // Prepare
    await createSubscription(
      ctx.manage,
      {
        id: 'gone-sub',
        eventType: 'order.created',
        target: { type: 'webhook', url: 'https://hooks.example.com/services/T0/B0/tok3n' },
      },
      OWNER,
    );
    ctx.answer(410);

    // Act
    const outcome = await send(ctx.deliver, 'gone-sub');
    const raw = await ctx.rawItem({ pk: 'DEADLETTER#acme', sk: (outcome as { deadLetterId: string }).deadLetterId });
    ctx.answer(204);

    // Assess
    expect(outcome.outcome).toBe('dead-lettered');
    expect(JSON.stringify(raw)).not.toContain('whsec_');
    expect(JSON.stringify(raw)).not.toContain('tok3n');
    expect(raw?.expiresAt).toBe(Math.floor(Date.parse(raw?.createdAt as string) / 1000) + 30 * 86_400);
  });
});
