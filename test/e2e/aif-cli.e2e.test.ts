import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EchoService, startEchoService } from '../../local/echo-service';
import { type LocalServer, startLocalServer } from '../../local/server';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/aif.mjs');
const PETSTORE = join(ROOT, 'test/fixtures/openapi/oai/v3.0/petstore-expanded.yaml');

type Run = { code: number | null; stdout: string; stderr: string };

/** Starts the real `aif` bin (node bin/aif.mjs) with `args`, talking to `endpoint` through AIF_ENDPOINT. */
function start(args: readonly string[], endpoint: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, AIF_ENDPOINT: endpoint, NO_COLOR: '1' };
  delete env.AIF_TOKEN;
  delete env.AIF_OUTPUTS;
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Resolves once `text` has appeared on `stream` (listening from now on). */
function printed(stream: NodeJS.ReadableStream | null, text: string): Promise<void> {
  let seen = '';
  return new Promise((resolve) => {
    stream?.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes(text)) resolve();
    });
  });
}

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('aif (bin/aif.mjs) against the local runner', () => {
  let server: LocalServer;
  let echo: EchoService;
  let dir: string;
  const aif = (...args: string[]) => finished(start(args, server.url));
  const json = async (...args: string[]) => {
    const run = await aif('--json', ...args);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0, healthCheckIntervalMs: 0 });
    echo = await startEchoService(0, 'orders-a');
    dir = mkdtempSync(join(tmpdir(), 'aif-cli-'));
    const petstore = readFileSync(PETSTORE, 'utf8');
    writeFileSync(join(dir, 'compatible.yaml'), petstore.replace('version: 1.0.0', 'version: 1.1.0'));
    writeFileSync(
      join(dir, 'incompatible.yaml'),
      petstore.replace('version: 1.0.0', 'version: 2.0.0').replace(/tag:\n(\s+)type: string/, 'tag:\n$1type: integer'),
    );
    mkdirSync(join(dir, 'import'));
    copyFileSync(join(ROOT, 'test/fixtures/openapi/oai/v3.0/petstore.yaml'), join(dir, 'import/a-petstore.yaml'));
    // Same info.title and version as a-petstore.yaml, other content: 409.
    copyFileSync(PETSTORE, join(dir, 'import/b-petstore-expanded.yaml'));
    writeFileSync(
      join(dir, 'import/c-no-title.json'),
      JSON.stringify({ openapi: '3.0.3', info: { version: '1.0.0' }, paths: {} }),
    );
    writeFileSync(join(dir, 'import/notes.txt'), 'not a document');
  });

  afterAll(async () => {
    await echo?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('health and help', () => {
    it('prints the health of the API and exits 0', async () => {
      // Act
      const run = await aif('health');

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${server.url}: ok (contracts ok, errors ok)\n`);
    });

    it('prints help with every command group and exits 0', async () => {
      // Act
      const run = await aif('--help');

      // Assess
      expect(run.code).toBe(0);
      for (const group of [
        'contracts',
        'events',
        'subscriptions',
        'dead-letters',
        'services',
        'breakers',
        'topology',
        'audit',
      ]) {
        expect(run.stdout).toContain(group);
      }
    });
  });

  describe('contracts', () => {
    it('registers a file (201), then the same again (200)', async () => {
      // Act
      const first = await aif('contracts', 'register', PETSTORE, '--name', 'petstore');
      const again = await aif('contracts', 'register', PETSTORE, '--name', 'petstore');

      // Assess
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toBe('201 registered petstore@1.0.0 (BACKWARD, 4 endpoints)\n');
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('200 unchanged petstore@1.0.0: identical content was already registered\n');
    });

    it('imports a directory: a summary row per document, counts, and exit 4 for the refused ones', async () => {
      // Act
      const run = await aif('contracts', 'register', join(dir, 'import'));
      const parsed = await aif('--json', 'contracts', 'register', join(dir, 'import'));

      // Assess
      expect(run.code).toBe(4);
      expect(run.stdout).toMatch(/a-petstore\.yaml\s+│ 201\s+│ swagger-petstore@1\.0\.0/);
      expect(run.stdout).toMatch(/b-petstore-expanded\.yaml\s+│ 409/);
      expect(run.stdout).toMatch(/c-no-title\.json\s+│ 422\s+│\s+│ \/info\/title info\.title is missing/);
      expect(run.stdout).not.toContain('notes.txt');
      expect(run.stdout).toContain('3 files: 1 × 201, 1 × 409, 1 × 422');
      expect(parsed.code).toBe(4);
      expect(JSON.parse(parsed.stdout).map((o: { status: number }) => o.status)).toEqual([200, 409, 422]);
    });

    it('lists and shows contracts, as tables and as JSON', async () => {
      // Act
      const list = await aif('contracts', 'list');
      const shown = await aif('contracts', 'show', 'petstore');
      const document = await json('contracts', 'show', 'petstore', '--version', '1.0.0');

      // Assess
      expect(list.stdout).toMatch(/│ petstore\s+│ BACKWARD\s+│ 1\s+│/);
      expect(shown.stdout).toContain('petstore@1.0.0 (BACKWARD)');
      expect(shown.stdout).toMatch(/│ DELETE │ \/pets\/\{id\} │/);
      expect(document.endpoints.map((e: { method: string; path: string }) => `${e.method} ${e.path}`)).toEqual([
        'GET /pets',
        'POST /pets',
        'GET /pets/{id}',
        'DELETE /pets/{id}',
      ]);
    });

    it('diffs a compatible document (exit 0) and an incompatible one (reasons, exit 4), storing neither', async () => {
      // Act
      const compatible = await aif('contracts', 'diff', 'petstore', join(dir, 'compatible.yaml'));
      const incompatible = await aif('contracts', 'diff', 'petstore', join(dir, 'incompatible.yaml'));
      const versions = await json('contracts', 'show', 'petstore');

      // Assess
      expect(compatible.code).toBe(0);
      expect(compatible.stdout).toBe(
        'petstore@1.1.0 against 1.0.0 (BACKWARD): compatible: registering would create petstore@1.1.0\n',
      );
      expect(incompatible.code).toBe(4);
      expect(incompatible.stdout).toContain(
        'petstore@2.0.0 against 1.0.0 (BACKWARD): incompatible: registering petstore@2.0.0 would be refused (409)',
      );
      expect(incompatible.stdout).toMatch(/type-narrowed\s+│ \/schemas\/NewPet\/properties\/tag\/type/);
      expect(versions.version).toBe('1.0.0');
    });

    it('validates a request and a response: valid exits 0, invalid lists the errors and exits 4', async () => {
      // Act
      const valid = await aif(
        'contracts',
        'validate',
        'petstore',
        '--method',
        'POST',
        '--path',
        '/pets',
        '--body',
        '{"name":"Rex"}',
      );
      const invalid = await aif(
        'contracts',
        'validate',
        'petstore',
        '--method',
        'POST',
        '--path',
        '/pets',
        '--body',
        '{"tag":5}',
      );
      const response = await aif(
        'contracts',
        'validate',
        'petstore',
        '--method',
        'GET',
        '--path',
        '/pets/1',
        '--response',
        '--status',
        '500',
        '--body',
        '{"code":1,"message":"down"}',
      );

      // Assess
      expect(valid.code).toBe(0);
      expect(valid.stdout).toBe('valid: POST /pets (petstore@1.0.0)\n');
      expect(invalid.code).toBe(4);
      expect(invalid.stdout).toContain('invalid: POST /pets (petstore@1.0.0)');
      expect(invalid.stdout).toMatch(/│ \/body\/name │ required │ must have required property 'name'/);
      expect(invalid.stdout).toMatch(/│ \/body\/tag\s+│ type\s+│ must be string/);
      expect(response.code).toBe(0);
      expect(response.stdout).toBe('valid: GET /pets/{id} (petstore@1.0.0)\n');
    });
  });

  describe('events', () => {
    it('publishes an event and lists it from the event log', async () => {
      // Act
      const run = await aif(
        'events',
        'publish',
        '--type',
        'cli.listed',
        '--source',
        'shop',
        '--id',
        'evt-listed',
        '--payload',
        '{"n":1}',
      );
      const listed = await json('events', 'list', '--type', 'cli.listed');

      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/│ 0 │ evt-listed │ published │/);
      expect(listed.items.map((event: { id: string }) => event.id)).toEqual(['evt-listed']);
    });

    it('publishes a batch from a file: the same file again is a duplicate', async () => {
      // Prepare
      const file = join(dir, 'events.json');
      const timestamp = Date.now();
      const envelope = (id: string) => ({
        id,
        type: 'cli.batch',
        version: '1.0.0',
        source: 'shop',
        timestamp,
        payload: { id },
      });
      writeFileSync(file, JSON.stringify([envelope('evt-b1'), envelope('evt-b2')]));

      // Act
      const first = await json('events', 'publish', '--file', file);
      const again = await json('events', 'publish', '--file', file);

      // Assess
      expect(first.results.map((r: { status: string }) => r.status)).toEqual(['published', 'published']);
      expect(again.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    });

    it('tails the event log: prints an event published after it started, and exits 0 on Ctrl+C', async () => {
      // Prepare
      const tail = start(['events', 'tail', '--type', 'cli.tailed', '--interval', '200ms'], server.url);
      const done = finished(tail);
      const following = printed(tail.stderr, 'following');
      const seen = printed(tail.stdout, 'evt-tailed');
      await following;

      // Act
      await aif(
        'events',
        'publish',
        '--type',
        'cli.tailed',
        '--source',
        'shop',
        '--id',
        'evt-tailed',
        '--payload',
        '{"n":2}',
      );
      await seen;
      tail.kill('SIGINT');
      const run = await done;

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^\S+Z {2}cli\.tailed {2}evt-tailed {2}shop {2}\{"n":2\}\n$/);
    });
  });

  describe('subscriptions and dead letters', () => {
    it('creates (the secret in full, once), lists and deletes a subscription', async () => {
      // Act
      const created = await aif(
        'subscriptions',
        'create',
        '--id',
        'cli-sub',
        '--type',
        'cli.sub',
        '--url',
        `${echo.url}/hook`,
        '--delivery-format',
        'msgpack',
      );
      const listed = await aif('subscriptions', 'list');
      const deleted = await aif('subscriptions', 'delete', 'cli-sub');
      const after = await json('subscriptions', 'list');

      // Assess
      expect(created.code, created.stderr).toBe(0);
      const secret = /signing secret \(shown only this once\): (whsec_\S+)/.exec(created.stdout)?.[1] ?? '';
      expect(secret.length).toBeGreaterThan(30);
      expect(listed.stdout).toMatch(
        /│ cli-sub\s+│ cli\.sub\s+│ \S+\/hook\s+│ application\/msgpack │ active │ …(\S{4})/,
      );
      expect(listed.stdout).toContain(`…${secret.slice(-4)}`);
      expect(listed.stdout).not.toContain(secret);
      expect(deleted.stdout).toBe('deleted cli-sub\n');
      expect(after.items.map((s: { id: string }) => s.id)).not.toContain('cli-sub');
    });

    it('lists the dead letter of a failed delivery and redrives it', async () => {
      // Prepare
      const port = await closedPort();
      await aif(
        'subscriptions',
        'create',
        '--id',
        'cli-dead',
        '--type',
        'cli.dead',
        '--url',
        `http://127.0.0.1:${port}/x`,
        '--max-retries',
        '0',
      );
      await aif('events', 'publish', '--type', 'cli.dead', '--source', 'shop', '--id', 'evt-dead', '--payload', '{}');
      await server.drainDeliveries(20_000);

      // Act
      const listed = await aif('dead-letters', 'list', '--subscription', 'cli-dead');
      const redriven = await aif('dead-letters', 'redrive', '--subscription', 'cli-dead');

      // Assess
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(
        /│ dl-\d+-[0-9a-f]+ │ cli-dead\s+│ evt-dead │ cli\.dead │ retries-exhausted │ ECONNREFUSED │ 1\s+│/,
      );
      expect(redriven.code).toBe(0);
      expect(redriven.stdout).toBe('redriven: 1 of 1\n');
    });
  });

  describe('mesh and audit', () => {
    it('registers instances, shows the topology tree with health and breakers, and lists breakers', async () => {
      // Prepare
      const down = await closedPort();

      // Act
      const registered = await aif(
        'services',
        'register',
        '--id',
        'orders-a',
        '--name',
        'orders',
        '--version',
        '1.0.0',
        '--endpoint',
        echo.url,
        '--weight',
        '60',
      );
      await aif(
        'services',
        'register',
        '--id',
        'orders-b',
        '--name',
        'orders',
        '--version',
        '1.0.0',
        '--endpoint',
        `http://127.0.0.1:${down}`,
        '--weight',
        '40',
      );
      for (let i = 0; i < 30; i++) await fetch(`${server.url}/v1/mesh/orders/items/${i}`);
      await server.runHealthChecks();
      const topology = await aif('topology');
      const breakers = await aif('breakers');
      const services = await json('services', 'list');

      // Assess
      expect(registered.stdout).toBe('registered orders-a (orders@1.0.0, weight 60): unknown, revision 1\n');
      expect(topology.stdout).toBe(
        [
          '└─ orders (1.0.0) 1/2 healthy',
          `   ├─ orders-a  healthy  breaker closed  weight 60  ${echo.url}`,
          `   └─ orders-b  unhealthy  breaker open  weight 40  http://127.0.0.1:${down}`,
          '',
        ].join('\n'),
      );
      expect(breakers.stdout).toMatch(/│ orders-b │ orders\s+│ open\s+│ 5\s+│/);
      expect(services.items.map((i: { id: string; status: string }) => `${i.id} ${i.status}`)).toEqual([
        'orders-a healthy',
        'orders-b unhealthy',
      ]);
    });

    it('lists the audit trail newest first', async () => {
      // Act
      const records = await json('audit', '--limit', '2');

      // Assess
      expect(records.items).toHaveLength(2);
      expect(records.items[0].time >= records.items[1].time).toBe(true);
    });
  });

  describe('exit codes', () => {
    it('exits 2 for an unknown flag, a missing required option, bad JSON and an unreadable file', async () => {
      // Act
      const runs = await Promise.all([
        aif('topology', '--no-such-flag'),
        aif('subscriptions', 'create', '--type', 'x'),
        aif('events', 'publish', '--type', 't', '--source', 's', '--payload', '{nope'),
        aif('contracts', 'register', join(dir, 'missing.yaml')),
      ]);

      // Assess
      expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2]);
      expect(runs[3]!.stderr).toContain('missing.yaml: ENOENT');
    });

    it('exits 4 with the problem details for a 4xx, and prints the problem as JSON with --json', async () => {
      // Act
      const human = await aif('contracts', 'show', 'no-such-contract');
      const machine = await aif(
        '--json',
        'services',
        'register',
        '--name',
        'x',
        '--version',
        '1',
        '--endpoint',
        'ftp://nowhere',
      );

      // Assess
      expect(human.code).toBe(4);
      expect(human.stderr).toMatch(/^error: 404 .+: No contract named no-such-contract is registered/);
      expect(machine.code).toBe(4);
      const problem = JSON.parse(machine.stdout);
      expect(problem.status).toBe(422);
      expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain('/endpoint');
    });

    it('exits 5 when the API cannot be reached', async () => {
      // Prepare
      const port = await closedPort();

      // Act
      const run = await finished(start(['health'], `http://127.0.0.1:${port}`));

      // Assess
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
    });
  });
});
