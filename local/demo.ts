import { parseArgs } from 'node:util';
import { type EchoService, startEchoService } from './echo-service';
import { type LocalServer, startLocalServer } from './server';
import { startupBanner, stopOnSignals } from './startup';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

const USAGE =
  'usage: npm run demo -- [--port 3000] [--receiver-port 4000] [--echo-ports 5001,5002] [--quiet]\n' +
  '  the API (health checks every 5 s), the sample webhook receiver and the echo services orders-a and\n' +
  '  orders-b in this one process, as docs/walkthrough.md uses them; 0 picks a free port';

/** What `npm run demo` started. */
export type Demo = {
  server: LocalServer;
  receiver: WebhookReceiver;
  echoes: readonly EchoService[];
  /** Stops every server (an echo service already stopped by `POST /shutdown` is skipped). */
  close: () => Promise<void>;
};

/** Ports of {@link startDemo}; 0 picks a free one. */
export type DemoPorts = { api: number; receiver: number; echoes: readonly [number, number] };

/** The seconds between health-check runs in the demo: a stopped instance turns unhealthy within one walkthrough step. */
export const DEMO_HEALTH_CHECK_SECONDS = 5;

/**
 * Starts what the walkthrough (docs/walkthrough.md) needs, in one process: the local runner with
 * health checks every {@link DEMO_HEALTH_CHECK_SECONDS} s (embedded DynamoDB in memory, auth off), the
 * sample webhook receiver (`npm run receiver`) and two echo services, `orders-a` and `orders-b`
 * (`npm run echo`). If one cannot start (a port in use), those already started are stopped again.
 *
 * @param ports - @default api 3000, receiver 4000, echoes 5001 and 5002 (the walkthrough's URLs)
 * @param log - one line per API request and per delivery received; @default none
 * @throws {Error} when a port is taken (`EADDRINUSE`) or the runner cannot start
 * @example const demo = await startDemo({ api: 0, receiver: 0, echoes: [0, 0] }); await demo.close();
 */
export async function startDemo(
  ports: DemoPorts = { api: 3000, receiver: 4000, echoes: [5001, 5002] },
  log?: (line: string) => void,
): Promise<Demo> {
  const started: Array<{ close: () => Promise<void> }> = [];
  const close = async () => {
    for (const service of [...started].reverse()) await service.close();
  };
  try {
    const server = await startLocalServer({
      port: ports.api,
      healthCheckIntervalMs: DEMO_HEALTH_CHECK_SECONDS * 1000,
      log,
    });
    started.push(server);
    const receiver = await startWebhookReceiver(ports.receiver, '127.0.0.1', { log });
    started.push(receiver);
    const echoes: EchoService[] = [];
    for (const [index, name] of ['orders-a', 'orders-b'].entries()) {
      const echo = await startEchoService(ports.echoes[index] as number, name);
      started.push(echo);
      echoes.push(echo);
    }
    return { server, receiver, echoes, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * `npm run demo [-- --port 3000 --receiver-port 4000 --echo-ports 5001,5002 --quiet]`: {@link startDemo},
 * then prints every URL and waits; Ctrl+C (SIGINT) or SIGTERM stops everything and exits 0.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      'receiver-port': { type: 'string', default: '4000' },
      'echo-ports': { type: 'string', default: '5001,5002' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const echoPorts = values['echo-ports'].split(',').map((p) => portOf('--echo-ports', p));
  if (echoPorts.length !== 2) throw new Error(`--echo-ports takes two ports, got ${values['echo-ports']}`);
  const demo = await startDemo(
    {
      api: portOf('--port', values.port),
      receiver: portOf('--receiver-port', values['receiver-port']),
      echoes: [echoPorts[0] as number, echoPorts[1] as number],
    },
    values.quiet ? undefined : (line) => console.log(line),
  );
  for (const line of startupBanner(demo.server, undefined)) console.log(line);
  console.log(`Health checks: every ${DEMO_HEALTH_CHECK_SECONDS} s`);
  console.log(
    `Webhook receiver: ${demo.receiver.url} — POST /ok (204), /fail (500), /flaky (503 once per webhook-id); GET /received`,
  );
  for (const echo of demo.echoes)
    console.log(`Echo service ${echo.name}: ${echo.url} — GET /health, POST /shutdown, anything else echoed`);
  console.log('Walkthrough: docs/walkthrough.md');
  stopOnSignals(demo.close);
}

function portOf(flag: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${flag} must be 0-65535, got ${value}`);
  return port;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((error: unknown) => {
    console.error(`demo failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
