import { parseArgs } from 'node:util';
import { startLocalServer } from './server';

/**
 * `npm run dev [-- --port 3000] [--host 127.0.0.1] [--data DIR] [--quiet]`: the whole API on
 * localhost with embedded DynamoDB (memory unless --data). Stops cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'health-check-seconds': { type: 'string', default: '60' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      'usage: npm run dev -- [--port 3000] [--host 127.0.0.1] [--data DIR] [--quiet] [--health-check-seconds 60]',
    );
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const healthSeconds = Number(values['health-check-seconds']);
  if (!Number.isFinite(healthSeconds) || healthSeconds < 0)
    throw new Error(`--health-check-seconds must be a number ≥ 0, got ${values['health-check-seconds']}`);
  const server = await startLocalServer({
    healthCheckIntervalMs: healthSeconds * 1000,
    port,
    host: values.host,
    dataDir: values.data,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  console.log(`Agent Integration Framework API listening on ${server.url}`);
  console.log(
    `DynamoDB: ${values.data ? `dynalite persisted in ${values.data}` : 'dynalite in memory'} — try: curl ${server.url}/v1/health (Ctrl+C stops)`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`local runner failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
