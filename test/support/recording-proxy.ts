import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request and the answer it got, as they crossed the proxy (header names lower case). */
export type Exchange = {
  request: { method: string; url: string; headers: Record<string, string>; body: Buffer };
  response: { status: number; headers: Record<string, string>; body: Buffer };
};

/** A running recording proxy. */
export type RecordingProxy = { url: string; exchanges: Exchange[]; close: () => Promise<void> };

/**
 * A transparent HTTP proxy on a free loopback port that forwards every request to `targetUrl` as it
 * is (method, path, query, headers — `Host` included — and body) and records each exchange, as a
 * validating proxy (Stoplight Prism's `proxy` mode) sits in front of `npm run dev`.
 */
export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const exchanges: Exchange[] = [];
  const server = createServer((req, res) => {
    void readAll(req).then((body) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          void readAll(answer).then((answerBody) => {
            exchanges.push({
              request: { method: req.method ?? 'GET', url: req.url ?? '/', headers: single(req.headers), body },
              response: { status: answer.statusCode ?? 0, headers: single(answer.headers), body: answerBody },
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(answerBody);
          });
        },
      );
      upstream.on('error', (error) => res.writeHead(502).end(String(error)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function single(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
