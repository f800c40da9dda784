import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Resolves with everything printed once `pattern` appears in it (rejects after 60 s). */
function waitFor(child: ChildProcess, pattern: RegExp, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not printed: ${pattern}\n${output()}`)), 60_000);
    const check = () => {
      if (!pattern.test(output())) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve(output());
    };
    child.stdout?.on('data', check);
    check();
  });
}

describe('npm run demo (local/demo.ts)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('starts the API, the webhook receiver and two echo services in one process, prints their URLs and exits 0 on SIGTERM', async () => {
    // Prepare: what `npm run demo` runs (tsx local/demo.ts), every port free-picked. Not through npm
    // itself: npm answers SIGTERM by exiting 143 without passing it through its `sh -c` to the script
    // (Ctrl+C in a terminal reaches the whole process group instead), so only the script's own exit
    // code says whether it stops cleanly.
    const script = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> })
      .scripts.demo;
    expect(script).toBe('tsx local/demo.ts');
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/demo.ts', '--port', '0', '--receiver-port', '0', '--echo-ports', '0,0', '--quiet'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const printed = await waitFor(child, /Walkthrough: docs\/walkthrough\.md/, () => output);
    const url = (pattern: RegExp) => (pattern.exec(printed)?.[1] as string) ?? '';
    const api = url(/listening on (http:\/\/\S+)/);
    const receiver = url(/Webhook receiver: (http:\/\/\S+)/);
    const echoA = url(/Echo service orders-a: (http:\/\/\S+)/);
    const echoB = url(/Echo service orders-b: (http:\/\/\S+)/);

    // Act
    const health = await fetch(`${api}/v1/health`);
    const received = await fetch(`${receiver}/received`);
    const echoed = await Promise.all([echoA, echoB].map((base) => fetch(`${base}/items/1`)));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    // Assess
    expect(health.status).toBe(200);
    expect(printed).toContain('Health checks: every 5 s');
    expect(printed).toMatch(/DynamoDB: dynalite in memory at http:\/\/127\.0\.0\.1:\d+/);
    expect(received.status).toBe(200);
    expect(await received.json()).toEqual([]);
    expect(await Promise.all(echoed.map(async (r) => ((await r.json()) as { instance: string }).instance))).toEqual([
      'orders-a',
      'orders-b',
    ]);
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: shutting down');
  });
});
