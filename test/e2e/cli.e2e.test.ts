import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run dev (local/main.ts)', () => {
  it('prints its URL and its DynamoDB endpoint, serves the API and exits 0 on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', '--port', '0', '--quiet'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match && output.includes('Auth:')) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    });

    // Act
    const health = await fetch(`${url}/v1/health`);
    // The banner's endpoint, as `aws dynamodb list-tables --endpoint-url …` would use it.
    const endpoint = /DynamoDB: dynalite in memory at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const dynamodb = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const tables = await dynamodb.send(new ListTablesCommand({}));
    dynamodb.destroy();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    // Assess
    expect(health.status).toBe(200);
    expect(output).toContain('try: curl');
    expect(output).toContain(`aws dynamodb list-tables --endpoint-url ${endpoint} --region us-east-1`);
    expect(tables.TableNames?.length).toBeGreaterThan(0);
    expect(output).toContain('Auth: off — every route is open to callers on this machine (loopback only');
    expect(await exited).toBe(0);
  });
});
