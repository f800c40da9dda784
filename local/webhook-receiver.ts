import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type WebhookVerificationFailure } from '../shared/adapters/http/webhook-signer';
import { codecWireFormats } from '../shared/http/codecs/wire-formats';

/** One webhook the receiver got. */
export type ReceivedWebhook = {
  path: string;
  webhookId: string;
  type?: string;
  status: number;
  duplicate: boolean;
  /** The delivery's `Content-Type`, e.g. `application/msgpack`. */
  contentType?: string;
  /** The body decoded from its format (JSON, MessagePack, CBOR) for display; absent when it does not decode. */
  body?: unknown;
  /** The body's bytes as received, base64 (what the signature covers). */
  bodyBase64: string;
  /** The Standard Webhooks headers received (`webhook-id`, `webhook-timestamp`, `webhook-signature`). */
  signatureHeaders: Record<string, string>;
  /** With a secret: whether the Standard Webhooks signature verified over the bytes received, and why not. */
  verified?: boolean;
  failure?: WebhookVerificationFailure;
};

/** A running receiver. */
export type WebhookReceiver = { url: string; received: ReceivedWebhook[]; close: () => Promise<void> };

/** Options of {@link startWebhookReceiver}. */
export type WebhookReceiverOptions = {
  /**
   * The subscription's signing secret(s) (`whsec_…`; any may match): deliveries are verified over the
   * exact bytes received, and one that fails is answered 401. @default none (nothing verified)
   */
  secret?: string | readonly string[];
  /** Told one line per delivery (the CLI prints them). @default nothing */
  log?: (line: string) => void;
};

const formats = codecWireFormats();

/**
 * A small webhook receiver for trying subscriptions locally (`npm run receiver`; `WEBHOOK_SECRET`
 * verifies signatures):
 * - `POST /ok` answers 204;
 * - `POST /fail` answers 500;
 * - `POST /flaky` answers 503 with `Retry-After: 1` to the first delivery of each `webhook-id`, then 204;
 * - with a secret, a delivery whose signature does not verify over its bytes is answered 401;
 * - `GET /received` lists what arrived: path, `webhook-id`, event type, the status answered, whether
 *   the `webhook-id` had been seen on that path before (a subscriber de-duplicating by id ignores
 *   those), the `Content-Type`, the body decoded from JSON, MessagePack or CBOR, its bytes (base64),
 *   and whether the signature verified.
 *
 * @example const receiver = await startWebhookReceiver(4000, '127.0.0.1', { secret: 'whsec_…', log: console.log });
 */
export async function startWebhookReceiver(
  port = 4000,
  host = '127.0.0.1',
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'GET' && path === '/received') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(received)}\n`);
        return;
      }
      if (req.method !== 'POST' || !['/ok', '/fail', '/flaky'].includes(path)) {
        res.writeHead(404).end();
        return;
      }
      void receive(req, Buffer.concat(chunks), options).then((delivery) => {
        const key = `${path} ${delivery.webhookId}`;
        const duplicate = seen.has(key);
        const status =
          delivery.verified === false ? 401 : path === '/ok' ? 204 : path === '/fail' ? 500 : duplicate ? 204 : 503;
        if (status !== 401) seen.add(key);
        const entry: ReceivedWebhook = { ...delivery, path, status, duplicate };
        received.push(entry);
        options.log?.(describe(entry));
        res.writeHead(status, status === 503 ? { 'retry-after': '1' } : {}).end();
      });
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

/** What one delivery holds: its id, format, decoded body and, with a secret, the verification over its bytes. */
async function receive(
  req: IncomingMessage,
  bytes: Buffer,
  options: WebhookReceiverOptions,
): Promise<Omit<ReceivedWebhook, 'path' | 'status' | 'duplicate'>> {
  const contentType = req.headers['content-type'];
  const body = await decoded(bytes, contentType);
  const type = (body as { type?: unknown } | undefined)?.type;
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
  );
  const verification =
    options.secret === undefined ? undefined : verifyWebhook({ secret: options.secret, headers, payload: bytes });
  return {
    webhookId: String(req.headers['webhook-id'] ?? ''),
    ...(typeof type === 'string' && { type }),
    ...(contentType !== undefined && { contentType }),
    ...(body !== undefined && { body }),
    bodyBase64: bytes.toString('base64'),
    signatureHeaders: Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].flatMap((name) => {
        const value = headers[name];
        return value === undefined ? [] : [[name, value]];
      }),
    ),
    ...(verification && { verified: verification.ok }),
    ...(verification && !verification.ok && { failure: verification.reason }),
  };
}

/** The body as a JSON value, through the codec registry (any format a subscription may deliver in). */
async function decoded(bytes: Buffer, contentType: string | undefined): Promise<unknown> {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (bytes.length === 0 || formats.formatOf(type) === undefined) return undefined;
  try {
    const json = await formats.transcode(bytes, type, 'application/json', '');
    return JSON.parse(json.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function describe(entry: ReceivedWebhook): string {
  const signature =
    entry.verified === undefined ? 'unverified' : entry.verified ? 'verified' : `REJECTED (${entry.failure})`;
  return `${entry.status} POST ${entry.path} ${entry.webhookId} ${entry.contentType ?? '-'} ${signature}: ${JSON.stringify(entry.body ?? null)}`;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 4000);
  const secret = process.env.WEBHOOK_SECRET?.split(' ').filter(Boolean);
  startWebhookReceiver(port, '127.0.0.1', { ...(secret?.length && { secret }), log: (line) => console.log(line) }).then(
    (receiver) =>
      console.log(
        `webhook receiver on ${receiver.url}: POST /ok (204), /fail (500), /flaky (503 once); GET /received; signatures ${secret?.length ? 'verified' : 'not verified (set WEBHOOK_SECRET)'}`,
      ),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
