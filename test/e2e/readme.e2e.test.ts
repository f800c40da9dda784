import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/webhook-receiver';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The README's "Try it" examples: each `sh` block followed directly by the output block it prints. */
function readmeExamples(): Array<{ command: string; expected: string }> {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'), readme.indexOf('\n## ', readme.indexOf('## Try it') + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] as string }));
  const examples: Array<{ command: string; expected: string }> = [];
  blocks.forEach((block, i) => {
    const next = blocks[i + 1];
    if (block.lang === 'sh' && next && next.lang !== 'sh')
      examples.push({ command: block.body, expected: next.body.trim() });
  });
  return examples;
}

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
    // The error-count examples print this hour's counts: don't start seconds before the hour turns.
    const toNextHourMs = 3_600_000 - (Date.now() % 3_600_000);
    if (toNextHourMs < 15_000) await new Promise((resolve) => setTimeout(resolve, toNextHourMs + 100));
    // The server runs in this process: the commands must run asynchronously so it can answer them.
    for (const { command, expected } of examples) {
      const { stdout } = await promisify(execFile)(
        'bash',
        [
          '-c',
          command
            .replaceAll('http://localhost:3000', server.url)
            .replaceAll('http://localhost:4000', receiver.url)
            .replaceAll('http://localhost:5001', echoA.url)
            .replaceAll('http://localhost:5002', echoB.url),
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(stdout.trim(), command).toBe(expected);
    }
  });
});
