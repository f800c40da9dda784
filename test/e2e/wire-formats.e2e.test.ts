import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode, encode } from '@msgpack/msgpack';
import { decode as decodeCbor } from 'cbor2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { generateWebhookSecret } from '../../shared/adapters/http/webhook-signer';

/** What a test upstream received. */
type Seen = { headers: IncomingHttpHeaders; body: Buffer };

/**
 * A test upstream that speaks MessagePack only: it answers 200 in MessagePack with what it decoded
 * (`{ got }`), 415 to anything else; or, with `mirror`, answers the exact bytes and Content-Type it got.
 */
async function startUpstream(mode: 'msgpack-only' | 'mirror'): Promise<{
  url: string;
  seen: Seen[];
  close: () => Promise<void>;
}> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/health') return void res.writeHead(200).end();
      seen.push({ headers: req.headers, body });
      if (mode === 'mirror') {
        return void res
          .writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' })
          .end(body);
      }
      if (body.length > 0 && req.headers['content-type'] !== 'application/msgpack')
        return void res.writeHead(415).end();
      const got = body.length > 0 ? decode(body) : null;
      res.writeHead(200, { 'content-type': 'application/msgpack' }).end(Buffer.from(encode({ got, big: 2 ** 40 })));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('local runner: formats across the mesh and the bus', () => {
  let server: LocalServer;
  let msgpackOnly: Awaited<ReturnType<typeof startUpstream>>;
  let mirror: Awaited<ReturnType<typeof startUpstream>>;
  let receiver: WebhookReceiver;

  const json = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const register = async (id: string, name: string, endpoint: string, supportedFormats?: string[]) => {
    const registered = await json('POST', '/v1/services', {
      id,
      name,
      version: '1.0.0',
      endpoint,
      healthEndpoint: `${endpoint}/health`,
      ...(supportedFormats && { supportedFormats }),
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    return registered.body;
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    msgpackOnly = await startUpstream('msgpack-only');
    mirror = await startUpstream('mirror');
    receiver = await startWebhookReceiver(0);
    await register('mp-1', 'mp', msgpackOnly.url, ['application/msgpack']);
    await register('mirror-1', 'mirror', mirror.url, ['application/msgpack', 'application/json']);
  });
  afterAll(async () => {
    await msgpackOnly?.close();
    await mirror?.close();
    await receiver?.close();
    await server?.close();
  });

  describe('the mesh', () => {
    it('shows supportedFormats on the instance, and tells a seed DataTarget `format` where formats go', async () => {
      // Act
      const listed = await fetch(`${server.url}/v1/services/mp/instances`).then((r) => r.json());
      const refused = await json('POST', '/v1/services', {
        id: 'fmt-1',
        name: 'fmt',
        version: '1.0.0',
        endpoint: msgpackOnly.url,
        healthEndpoint: `${msgpackOnly.url}/health`,
        format: 'msgpack',
        supportedFormats: ['msgpack'],
      });

      // Assess
      expect((listed as { items: Array<{ supportedFormats?: string[] }> }).items[0]?.supportedFormats).toEqual([
        'application/msgpack',
      ]);
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ pointer: '/format', detail: expect.stringContaining('supportedFormats') }),
          expect.objectContaining({
            pointer: '/supportedFormats/0',
            detail: expect.stringContaining('application/msgpack'),
          }),
        ]),
      );
    });

    it('converts a JSON caller to a msgpack-only instance and its answer back to JSON', async () => {
      // Act
      const response = await fetch(`${server.url}/v1/mesh/mp/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ item: 'pen', qty: 2, tags: ['a'] }),
      });
      const answer = await response.json();

      // Assess
      const upstream = msgpackOnly.seen.at(-1) as Seen;
      expect(upstream.headers['content-type']).toBe('application/msgpack');
      expect(upstream.headers.accept).toBe('application/msgpack');
      expect(decode(upstream.body)).toEqual({ item: 'pen', qty: 2, tags: ['a'] });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('vary')).toMatch(/accept/i);
      expect(answer).toEqual({ got: { item: 'pen', qty: 2, tags: ['a'] }, big: 2 ** 40 });
    });

    it('passes a msgpack body and answer through byte for byte when instance and caller share the format', async () => {
      // Prepare: float 32 and a str 8 header for a short string — not what a re-encoding would produce
      const sent = Buffer.from([0x82, 0xa1, 0x66, 0xca, 0x3f, 0xc0, 0x00, 0x00, 0xa1, 0x73, 0xd9, 0x01, 0x78]);

      // Act
      const response = await fetch(`${server.url}/v1/mesh/mirror/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/msgpack', accept: 'application/msgpack' },
        body: sent,
      });
      const answered = Buffer.from(await response.arrayBuffer());

      // Assess
      expect(Buffer.compare(mirror.seen.at(-1)?.body as Buffer, sent)).toBe(0);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/msgpack');
      expect(Buffer.compare(answered, sent)).toBe(0);
    });

    it('refuses a body no instance reads with 415 naming their formats, and a body that does not decode with 400', async () => {
      // Act
      const csv = await fetch(`${server.url}/v1/mesh/mp/orders`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: 'a,b\n1,2\n',
      });
      const broken = await fetch(`${server.url}/v1/mesh/mp/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"item": ',
      });
      const seenBefore = msgpackOnly.seen.length;

      // Assess
      expect(csv.status).toBe(415);
      expect(csv.headers.get('content-type')).toBe('application/problem+json');
      expect(await csv.json()).toMatchObject({
        supportedFormats: ['application/msgpack'],
        errors: [{ pointer: '/headers/content-type' }],
      });
      expect(broken.status).toBe(400);
      expect(((await broken.json()) as { errors: Array<{ pointer: string }> }).errors[0]?.pointer).toBe('/body');
      expect(msgpackOnly.seen.length).toBe(seenBefore);
    });
  });

  describe('the example of docs/formats.md', () => {
    it('converts a MessagePack caller for a JSON-only echo instance, and its answer to CBOR when asked', async () => {
      // Prepare: `npm run echo -- 0 echo-json`, registered with supportedFormats ["application/json"]
      const echo = await startEchoService(0, 'echo-json');
      try {
        await register('echo-json-1', 'echo-json', echo.url, ['application/json']);
        const body = Buffer.from([0x81, 0xa4, ...Buffer.from('item'), 0xa3, ...Buffer.from('pen')]);
        const call = (accept: string) =>
          fetch(`${server.url}/v1/mesh/echo-json/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/msgpack', accept },
            body,
          });

        // Act
        const asJson = await call('application/json');
        const asCbor = await call('application/cbor');

        // Assess
        const echoed = (await asJson.json()) as { body: unknown; headers: Record<string, string> };
        expect(echoed.body).toEqual({ item: 'pen' });
        expect(echoed.headers['content-type']).toBe('application/json');
        expect(asCbor.headers.get('content-type')).toBe('application/cbor');
        expect(asCbor.headers.get('vary')).toMatch(/accept/i);
        expect(decodeCbor(new Uint8Array(await asCbor.arrayBuffer()))).toMatchObject({ body: { item: 'pen' } });
      } finally {
        await echo.close();
      }
    });
  });

  describe('the bus', () => {
    it('delivers a msgpack subscription a msgpack body whose signature verifies over the bytes', async () => {
      // Prepare: a receiver holding the subscription's secret verifies every delivery
      const secret = generateWebhookSecret();
      const verifying = await startWebhookReceiver(0, '127.0.0.1', { secret });
      try {
        const created = await json('POST', '/v1/subscriptions', {
          id: 'mp-sub',
          eventType: 'order.packed',
          target: { type: 'webhook', url: `${verifying.url}/ok`, secret },
          deliveryFormat: 'application/msgpack',
          maxRetries: 0,
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);

        // Act
        const published = await json('POST', '/v1/events', {
          id: 'evt-mp-1',
          type: 'order.packed',
          version: '1.0.0',
          source: 'shop.packing',
          timestamp: 1_800_000_000_000,
          payload: { orderId: 'o-9', weightGrams: 1250 },
          metadata: {},
        });
        await server.drainDeliveries();

        // Assess
        expect(published.status, JSON.stringify(published.body)).toBe(202);
        expect(verifying.received).toHaveLength(1);
        const [delivery] = verifying.received;
        expect(delivery).toMatchObject({
          path: '/ok',
          status: 204,
          contentType: 'application/msgpack',
          type: 'order.packed',
          verified: true,
        });
        const bytes = Buffer.from(delivery?.bodyBase64 ?? '', 'base64');
        expect(decode(bytes)).toMatchObject({ id: 'evt-mp-1', payload: { orderId: 'o-9', weightGrams: 1250 } });
        // The spec's algorithm over the bytes received, computed here.
        const headers = delivery?.signatureHeaders ?? {};
        const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
          .update(Buffer.concat([Buffer.from(`${headers['webhook-id']}.${headers['webhook-timestamp']}.`), bytes]))
          .digest('base64');
        expect(headers['webhook-signature']).toBe(`v1,${expected}`);
        const got = (await fetch(`${server.url}/v1/subscriptions/mp-sub`).then((r) => r.json())) as {
          deliveryFormat: string;
        };
        expect(got.deliveryFormat).toBe('application/msgpack');
      } finally {
        await verifying.close();
      }
    });

    it('refuses a deliveryFormat outside the registry with 422 naming the supported ones', async () => {
      // Act
      const refused = await json('POST', '/v1/subscriptions', {
        eventType: 'order.packed',
        target: { type: 'webhook', url: `${receiver.url}/ok` },
        deliveryFormat: 'text/xml',
      });

      // Assess
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([
        expect.objectContaining({ pointer: '/deliveryFormat', detail: expect.stringContaining('application/cbor') }),
      ]);
    });
  });
});
