import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { chromiumPath } from '../support/browser';
import { ROOT } from '../support/readme';

const CHROMIUM = chromiumPath();
const ARTIFACTS = `${ROOT}test/artifacts`;
if (!CHROMIUM) {
  console.warn(
    'console.e2e: skipped — no Chromium binary (apt-get install -y chromium chromium-driver, or set CHROMIUM_PATH)',
  );
}

/** A loopback port nobody listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!CHROMIUM)('web console in headless Chromium, against the local runner', () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const echoes: Record<string, EchoService> = {};
  const pageErrors: string[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const until = async <T>(probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    let value = await probe();
    while (!holds(value) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      value = await probe();
    }
    return value;
  };
  const screenshot = (name: string) => page.screenshot({ path: `${ARTIFACTS}/console-${name}.png`, fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    for (const name of ['orders-a', 'orders-b']) echoes[name] = await startEchoService(0, name);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A script the CSP blocked, or one that threw, shows up here.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(Object.values(echoes).map((echo) => echo.close()));
    await server?.close();
  });

  it("shows the README mesh walkthrough's topology: both instances with health and breaker state", async () => {
    // Prepare: docs/walkthrough.md's service mesh part — two echo instances of orders, orders-b stopped.
    for (const id of ['orders-a', 'orders-b']) {
      const url = echoes[id]!.url;
      const registered = await api('POST', '/v1/services', {
        id,
        name: 'orders',
        version: '1.0.0',
        endpoint: url,
        healthEndpoint: `${url}/health`,
        weight: 50,
      });
      expect(registered.status).toBe(201);
    }
    await server.runHealthChecks();
    for (let i = 0; i < 20; i++) expect((await api('GET', '/v1/mesh/orders/items/42')).status).toBe(200);
    await echoes['orders-b']!.close();
    for (let i = 0; i < 30; i++) expect((await api('GET', '/v1/mesh/orders/items/1')).status).toBe(200);
    await server.runHealthChecks();
    const rule = { id: 'orders-any', sourceService: '*', targetService: 'orders', timeoutMs: 5000 };
    expect((await api('POST', '/v1/routing-rules', rule)).status).toBe(201);
    const topology = await api('GET', '/v1/topology');

    // Act
    await page.goto(`${server.url}/console#topology`);
    const b = page.locator('[data-instance="orders-b"]');
    await b.and(page.locator('[data-breaker="open"]')).waitFor({ timeout: 10_000 });

    // Assess
    const a = page.locator('[data-instance="orders-a"]');
    expect([await a.getAttribute('data-health'), await a.getAttribute('data-breaker')]).toEqual(['healthy', 'closed']);
    expect([await b.getAttribute('data-health'), await b.getAttribute('data-breaker')]).toEqual(['unhealthy', 'open']);
    expect(await page.locator('[data-service="orders"] .service-name').textContent()).toContain('1/2 healthy');
    expect(await a.textContent()).toContain('w50 50%');
    expect(await page.locator('[data-rule="orders-any"]').textContent()).toBe(
      `orders-any: weight ${topology.body.connections[0].weight}`,
    );
    expect(await page.locator('[data-caller="*"]').textContent()).toBe('any caller');
    await screenshot('topology');
    await page.click('a[data-view="breakers"]');
    await page.locator('[data-breaker-state="open"]').waitFor();
    await screenshot('breakers');
    expect(pageErrors).toEqual([]);
  });

  it('redrives a dead letter with its button and shows the count change', async () => {
    // Prepare: a subscription whose webhook port is closed; one retry, 3 s later, then a dead letter.
    const port = await closedPort();
    const subscribed = await api('POST', '/v1/subscriptions', {
      id: 'closed-port',
      eventType: 'order.created',
      target: { type: 'webhook', url: `http://127.0.0.1:${port}/hook` },
      maxRetries: 1,
      retryPolicy: { backoffStrategy: 'constant', initialDelayMs: 3000, maxDelayMs: 3000 },
    });
    expect(subscribed.status).toBe(201);
    const event = {
      id: 'evt-console-1',
      type: 'order.created',
      version: '1.0.0',
      source: 'shop',
      timestamp: Date.now(),
      payload: { orderId: 'o-1' },
      metadata: {},
    };
    expect((await api('POST', '/v1/events', event)).status).toBe(202);
    const dead = await until(
      () => api('GET', '/v1/dead-letters'),
      (r) => r.body.items.length === 1,
    );
    expect(dead.body.items).toHaveLength(1);

    // Act
    await page.goto(`${server.url}/console#dead-letters`);
    const count = page.getByTestId('dead-letter-count');
    await expect.poll(() => count.textContent()).toBe('1');
    await screenshot('dead-letters-before');
    await page.click(`button[data-redrive="${dead.body.items[0].id}"]`);

    // Assess: the redriven letter left the list (its next failure is 3 s away).
    await page.getByRole('status').filter({ hasText: 'Redriven: 1' }).waitFor();
    expect(await count.textContent()).toBe('0');
    await screenshot('dead-letters-after');
    expect(pageErrors).toEqual([]);
  });

  it('shows the compatibility report between two contract versions', async () => {
    // Prepare: 2.0.0 drops an endpoint of 1.0.0, registered under NONE (which allows it).
    const endpoint = (path: string) => ({ path, method: 'GET' });
    const contract = (version: string, paths: string[]) => ({
      name: 'orders-api',
      version,
      endpoints: paths.map(endpoint),
      schemas: {},
    });
    expect((await api('POST', '/v1/contracts', contract('1.0.0', ['/orders', '/orders/{id}']))).status).toBe(201);
    expect((await api('POST', '/v1/contracts?compatibility=NONE', contract('2.0.0', ['/orders']))).status).toBe(201);

    // Act
    await page.goto(`${server.url}/console#contracts`);
    await page.click('button[data-contract="orders-api"]');
    await page.getByRole('button', { name: 'Compatibility report' }).click();

    // Assess
    const report = page.getByTestId('compatibility-report');
    await report.locator('[data-compatible="false"]').waitFor();
    expect(await report.textContent()).toContain('endpoint-removed');
    await screenshot('contracts');
    expect(pageErrors).toEqual([]);
  });

  it('lists the event log filtered by type', async () => {
    // Prepare
    const other = {
      id: 'evt-console-2',
      type: 'order.paid',
      version: '1.0.0',
      source: 'shop',
      timestamp: Date.now(),
      payload: {},
      metadata: {},
    };
    expect((await api('POST', '/v1/events', other)).status).toBe(202);

    // Act
    await page.goto(`${server.url}/console#events`);
    await page.getByLabel('Type').fill('order.created');
    await page.getByRole('button', { name: 'Show' }).click();

    // Assess
    const rows = page.locator('.events tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('evt-console-1');
    await screenshot('events');
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!CHROMIUM)('web console with auth on (--auth jwt, the local issuer)', () => {
  let server: LocalServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0, auth: { mode: 'jwt' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads without a token, reads nothing until one is entered, then sends it as a bearer token', async () => {
    // Prepare
    const issued = await fetch(`${server.url}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scopes: ['mesh:read'], ttlSeconds: 300 }),
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const page = await browser.newPage();
    const authorizations: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/topology')) authorizations.push(request.headers().authorization ?? '');
    });

    // Act
    const loaded = await page.goto(`${server.url}/console#topology`);
    const refused = page.getByRole('status').filter({ hasText: '401' });
    await refused.waitFor();
    const refusal = await refused.textContent();
    await page.getByPlaceholder(/Bearer token/).fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('0 services, 0 instances, 0 routing rules').waitFor();
    await page.reload();
    await page.getByText('0 services, 0 instances, 0 routing rules').waitFor();

    // Assess
    expect(loaded?.status()).toBe(200);
    expect(refusal).toContain('enter a token');
    expect(authorizations[0]).toBe('');
    expect(authorizations.slice(1).every((value) => value === `Bearer ${token}`)).toBe(true);
    expect(authorizations.length).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('token-state').textContent()).toBe('token set');
    await page.screenshot({ path: `${ARTIFACTS}/console-signed-in.png`, fullPage: true });
  });
});
