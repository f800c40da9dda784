import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook the receiver got. */
export type ReceivedWebhook = { path: string; webhookId: string; type?: string; status: number; duplicate: boolean };

/** A running receiver. */
export type WebhookReceiver = { url: string; received: ReceivedWebhook[]; close: () => Promise<void> };

/**
 * A small webhook receiver for trying subscriptions locally (`npm run receiver`):
 * - `POST /ok` answers 204;
 * - `POST /fail` answers 500;
 * - `POST /flaky` answers 503 with `Retry-After: 1` to the first delivery of each `webhook-id`, then 204;
 * - `GET /received` lists what arrived: path, `webhook-id`, event type, the status answered, and
 *   whether the `webhook-id` had been seen on that path before (a subscriber de-duplicating by id
 *   ignores those).
 *
 * @example const receiver = await startWebhookReceiver(4000); // http://localhost:4000
 */
export async function startWebhookReceiver(port = 4000, host = '127.0.0.1'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'GET' && path === '/received') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
        return;
      }
      if (req.method !== 'POST' || !['/ok', '/fail', '/flaky'].includes(path)) {
        res.writeHead(404).end();
        return;
      }
      const webhookId = String(req.headers['webhook-id'] ?? '');
      let type: string | undefined;
      try {
        type = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string }).type;
      } catch {
        type = undefined;
      }
      const key = `${path} ${webhookId}`;
      const duplicate = seen.has(key);
      const status = path === '/ok' ? 204 : path === '/fail' ? 500 : duplicate ? 204 : 503;
      seen.add(key);
      received.push({ path, webhookId, ...(type !== undefined && { type }), status, duplicate });
      res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${bound}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 4000);
  startWebhookReceiver(port).then(
    (receiver) =>
      console.log(`webhook receiver on ${receiver.url}: POST /ok (204), /fail (500), /flaky (503 once); GET /received`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
