import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../local/demo';
import { type LocalServer, startLocalServer } from '../../local/server';
import { expectedOutput, readmeExamples, runReadmeCommand } from '../support/readme';

describe('docs/walkthrough.md: Try it', () => {
  let demo: Demo;
  const examples = readmeExamples();

  beforeAll(async () => {
    // As the walkthrough runs it: `npm run demo` (API, webhook receiver, two echo services), on free ports.
    demo = await startDemo({ api: 0, receiver: 0, echoes: [0, 0] });
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('has examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it('answer exactly as printed, in order', async () => {
    // The servers run in this process: the commands must run asynchronously so they can answer them.
    const [echoA, echoB] = demo.echoes;
    const urls = { api: demo.server.url, receiver: demo.receiver.url, echoA: echoA!.url, echoB: echoB!.url };
    for (const { command, expected } of examples) {
      expect(await runReadmeCommand(command, urls), command).toMatch(expectedOutput(expected));
    }
  });
});

describe('docs/walkthrough.md: Try it with tokens', () => {
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
    // The registered instance is never called: its URLs stay as they are.
    const urls = {
      api: server.url,
      receiver: 'http://localhost:4000',
      echoA: 'http://localhost:5001',
      echoB: 'http://localhost:5002',
    };
    for (const { command, expected } of examples) {
      expect(await runReadmeCommand(command, urls, { ...process.env, AIF_URL: server.url }), command).toMatch(
        expectedOutput(expected),
      );
    }
  });
});

describe('expectedOutput', () => {
  it('matches the printed output exactly, with … standing for a run-specific value within one line', () => {
    // Act
    const pattern = expectedOutput('big-orders active, signing secret whsec_… (shown once)\nall-orders active');

    // Assess
    expect(pattern.test('big-orders active, signing secret whsec_c2VjcmV0 (shown once)\nall-orders active')).toBe(true);
    expect(pattern.test('big-orders active, signing secret whsec_x (shown once)\nall-orders paused')).toBe(false);
    expect(pattern.test('big-orders active, signing secret whsec_a\nb (shown once)\nall-orders active')).toBe(false);
    expect(expectedOutput('{"valid":true}').test('{"valid":false}')).toBe(false);
  });
});
