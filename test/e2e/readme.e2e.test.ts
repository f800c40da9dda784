import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';
import { readmeExamples, runReadmeCommand } from '../support/readme';

describe('README examples', () => {
  let server: LocalServer;
  let receiver: WebhookReceiver;
  let echoA: EchoService;
  let echoB: EchoService;
  const examples = readmeExamples();

  beforeAll(async () => {
    // As the README runs it: `npm run dev -- --health-check-seconds 5`.
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 5_000 });
    // `npm run echo -- 5001 orders-a` and `npm run echo -- 5002 orders-b`, on free ports.
    echoA = await startEchoService(0, 'orders-a');
    echoB = await startEchoService(0, 'orders-b');
    // The README's `npm run receiver` (port 4000), on a free port.
    receiver = await startWebhookReceiver(0);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await echoA?.close();
    await echoB?.close();
  });

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it('answer exactly as printed, in order', async () => {
    // The server runs in this process: the commands must run asynchronously so it can answer them.
    for (const { command, expected } of examples) {
      const urls = { api: server.url, receiver: receiver.url, echoA: echoA.url, echoB: echoB.url };
      expect(await runReadmeCommand(command, urls), command).toBe(expected);
    }
  });
});

describe('README examples with tokens', () => {
  let server: LocalServer;
  const examples = readmeExamples('Try it with tokens');

  beforeAll(async () => {
    // As the section runs it: `npm run dev -- --auth jwt` (the local issuer).
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0, auth: { mode: 'jwt' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it('answer exactly as printed, in order, tokens from npm run token', async () => {
    // The registered instance is never called: its README URLs stay as they are.
    const urls = {
      api: server.url,
      receiver: 'http://localhost:4000',
      echoA: 'http://localhost:5001',
      echoB: 'http://localhost:5002',
    };
    for (const { command, expected } of examples) {
      expect(await runReadmeCommand(command, urls, { ...process.env, AIF_URL: server.url }), command).toBe(expected);
    }
  });
});
