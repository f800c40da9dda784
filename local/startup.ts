import type { LocalServer, LocalServerAuth } from './server';

/**
 * What `npm run dev` and `npm run demo` print once the API listens: its URL, the DynamoDB endpoint
 * the functions use (embedded dynalite: point the AWS CLI or an SDK at it with `--endpoint-url`;
 * dynalite accepts any region and credentials), and the auth in force.
 *
 * @param server - the running local runner
 * @param dataDir - the `--data` folder, when the embedded DynamoDB persists there
 * @returns the lines to print, in order
 * @example
 * startupBanner(server, undefined);
 * // ['Agent Integration Framework API listening on http://localhost:3000 — try: curl http://localhost:3000/v1/health (Ctrl+C stops)',
 * //  'DynamoDB: dynalite in memory at http://127.0.0.1:41234 — aws dynamodb list-tables --endpoint-url http://127.0.0.1:41234 --region us-east-1 (any credentials)',
 * //  'Auth: off — …']
 */
export function startupBanner(server: LocalServer, dataDir: string | undefined): string[] {
  const external = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? process.env.AWS_ENDPOINT_URL;
  const store = external
    ? `the endpoint ${server.dynamoDbEndpoint} (AWS_ENDPOINT_URL${process.env.AWS_ENDPOINT_URL_DYNAMODB ? '_DYNAMODB' : ''})`
    : `dynalite ${dataDir ? `persisted in ${dataDir}` : 'in memory'} at ${server.dynamoDbEndpoint} — aws dynamodb list-tables --endpoint-url ${server.dynamoDbEndpoint} --region us-east-1 (any credentials)`;
  return [
    `Agent Integration Framework API listening on ${server.url} — try: curl ${server.url}/v1/health (Ctrl+C stops)`,
    `DynamoDB: ${store}`,
    authBanner(server.auth, dataDir),
  ];
}

function authBanner(auth: LocalServerAuth, dataDir: string | undefined): string {
  if (auth.mode === 'off')
    return 'Auth: off — every route is open to callers on this machine (loopback only; --auth jwt turns it on)';
  if (!auth.localIssuer)
    return `Auth: jwt — issuer ${auth.issuer}, audience ${auth.audience.join(', ')}, keys from ${auth.jwksUrl}`;
  return (
    `Auth: jwt — local issuer ${auth.issuer} (audience ${auth.audience.join(', ')}, key ${dataDir ? `kept in ${dataDir}` : 'in memory'}); ` +
    'get a token with: npm run token -- --scopes "mesh:read mesh:write" --tenant t1 --ttl 5m'
  );
}

/**
 * Stops on the first SIGINT (Ctrl+C) or SIGTERM: prints `<signal>: shutting down`, awaits `close`,
 * then exits 0 (1 when closing fails, with the error on stderr). Later signals are ignored.
 *
 * @param close - stops everything the process started
 */
export function stopOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    close().then(
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
