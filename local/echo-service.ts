import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running echo service. */
export type EchoService = { url: string; name: string; close: () => Promise<void> };

/**
 * A tiny HTTP service for trying the mesh locally (`npm run echo -- <port> <name>`):
 * - `GET /health` answers 200 `{"status":"ok"}`;
 * - `POST /shutdown` answers 202 and stops the service (to watch breakers and health checks react);
 * - anything else answers 200 with JSON naming the instance, the method, the path with query, the
 *   `traceparent` and `x-mesh-source` it received (`meshSource`: who the router says is calling)
 *   and the request body's length (and the body itself, `body`, when it is JSON: to see what the router
 *   converted a caller's MessagePack or CBOR to for an instance declaring `supportedFormats: ["application/json"]`),
 *   and every header it received (`headers`, lower-case names: to
 *   see what the router forwards, and what it keeps back); JSON answers end with a newline.
 *
 * @example const a = await startEchoService(5001, 'orders-a');
 */
export async function startEchoService(port: number, name: string, host = '127.0.0.1'): Promise<EchoService> {
  let server: Server | undefined;
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server?.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
        return;
      }
      if (req.method === 'POST' && url === '/shutdown') {
        res.writeHead(202).end();
        void close();
        return;
      }
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        `${JSON.stringify({
          instance: name,
          method: req.method,
          path: url,
          traceparent: req.headers.traceparent ?? null,
          meshSource: req.headers['x-mesh-source'] ?? null,
          bodyBytes: body.length,
          ...(jsonBody(req.headers['content-type'], body) ?? {}),
          headers: req.headers,
        })}\n`,
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server?.once('error', reject);
    server?.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://localhost:${bound}`, name, close };
}

/** `{ body }` when the request body is JSON (`application/json`, any parameters) that parses. */
function jsonBody(contentType: string | undefined, body: Buffer): { body: unknown } | undefined {
  if (body.length === 0 || contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/json') return undefined;
  try {
    return { body: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const port = Number(process.argv[2] ?? 5001);
  const name = process.argv[3] ?? `echo-${port}`;
  startEchoService(port, name).then(
    (service) =>
      console.log(`echo service ${service.name} on ${service.url}: GET /health, POST /shutdown, anything else echoed`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
