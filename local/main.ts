import { parseArgs } from 'node:util';
import { parseMaxInFlight } from '../shared/config';
import { type LocalAuthOption, startLocalServer } from './server';
import { startupBanner, stopOnSignals } from './startup';

const USAGE =
  'usage: npm run dev -- [--port 3000] [--host 127.0.0.1] [--data DIR] [--quiet] [--health-check-seconds 60]\n' +
  '                      [--health-check-max-per-run 500] (instances per health-check run, least recently checked first)\n' +
  '                      [--auth off|jwt] [--issuer ISS --audience AUD[,AUD…] --jwks-url URL]\n' +
  '                      [--allowed-host NAME]… (Host names answered besides localhost, 127.0.0.1, [::1])\n' +
  '                      [--secrets FILE] (JSON { "<secret name>": "<value>" }: the mesh upstream credentials)\n' +
  '                      [--mesh-max-in-flight 50|off] [--webhook-max-in-flight 10|off] (per tenant)';

/**
 * `npm run dev [-- --port 3000] [--host 127.0.0.1] [--data DIR] [--quiet] [--auth off|jwt …]`: the
 * whole API on localhost with embedded DynamoDB (memory unless --data). `--auth off` (the default)
 * is refused on a non-loopback `--host`; `--auth jwt` verifies bearer tokens against `--issuer`,
 * `--audience` and `--jwks-url`, or, without them, against a local issuer (`npm run token`).
 * `--allowed-host NAME` (repeatable) adds a Host name the server answers to (others get 421);
 * `--secrets FILE` holds the mesh's upstream credential secrets by name (Secrets Manager's role).
 * `--mesh-max-in-flight N|off` and `--webhook-max-in-flight N|off` set the per-tenant outbound
 * budgets (MESH_ / WEBHOOK_MAX_IN_FLIGHT_PER_TENANT; defaults 50 and 10, as deployed).
 * Stops cleanly on SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'health-check-seconds': { type: 'string', default: '60' },
      'health-check-max-per-run': { type: 'string' },
      auth: { type: 'string', default: 'off' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'jwks-url': { type: 'string' },
      'allowed-host': { type: 'string', multiple: true, default: [] },
      secrets: { type: 'string' },
      'mesh-max-in-flight': { type: 'string' },
      'webhook-max-in-flight': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const healthSeconds = Number(values['health-check-seconds']);
  if (!Number.isFinite(healthSeconds) || healthSeconds < 0)
    throw new Error(`--health-check-seconds must be a number ≥ 0, got ${values['health-check-seconds']}`);
  const maxPerRun = values['health-check-max-per-run'];
  if (maxPerRun !== undefined && !/^[1-9][0-9]*$/.test(maxPerRun))
    throw new Error(`--health-check-max-per-run must be a whole number ≥ 1, got ${maxPerRun}`);
  const auth = authOption(values);
  const settings = maxInFlightSettings(values['mesh-max-in-flight'], values['webhook-max-in-flight']);
  const server = await startLocalServer({
    settings,
    auth,
    healthCheckIntervalMs: healthSeconds * 1000,
    ...(maxPerRun !== undefined && { healthCheckMaxPerRun: Number(maxPerRun) }),
    port,
    host: values.host,
    dataDir: values.data,
    allowedHosts: values['allowed-host'],
    ...(values.secrets !== undefined && { secrets: { file: values.secrets } }),
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  for (const line of startupBanner(server, values.data)) console.log(line);
  stopOnSignals(() => server.close());
}

/**
 * The `--auth` flags as a server option.
 *
 * @throws {Error} for an unknown mode, or an incomplete external issuer (issuer, audience and JWKS
 *   URL go together)
 */
function authOption(values: {
  auth?: string;
  issuer?: string;
  audience?: string;
  'jwks-url'?: string;
}): LocalAuthOption {
  const { auth, issuer, audience } = values;
  const jwksUrl = values['jwks-url'];
  if (auth === 'off') {
    if (issuer || audience || jwksUrl) throw new Error('--issuer, --audience and --jwks-url need --auth jwt');
    return { mode: 'off' };
  }
  if (auth !== 'jwt') throw new Error(`--auth must be off or jwt, got ${auth}`);
  if (!issuer && !audience && !jwksUrl) return { mode: 'jwt' };
  if (!issuer || !audience || !jwksUrl)
    throw new Error('--auth jwt with an external issuer needs all of --issuer, --audience and --jwks-url');
  const audiences = audience
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
  return { mode: 'jwt', verify: { issuer, audience: audiences, jwksUrl } };
}

main().catch((error: unknown) => {
  console.error(`local runner failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * The `--mesh-max-in-flight` / `--webhook-max-in-flight` flags as settings (each `off` or a whole
 * number; 0 is off too). Unset flags leave the defaults.
 *
 * @throws {Error} naming the flag when a value is neither
 */
function maxInFlightSettings(mesh: string | undefined, webhook: string | undefined): NodeJS.ProcessEnv {
  const settings: NodeJS.ProcessEnv = {};
  for (const [flag, value, name] of [
    ['--mesh-max-in-flight', mesh, 'MESH_MAX_IN_FLIGHT_PER_TENANT'],
    ['--webhook-max-in-flight', webhook, 'WEBHOOK_MAX_IN_FLIGHT_PER_TENANT'],
  ] as const) {
    if (value === undefined) continue;
    try {
      settings[name] = String(parseMaxInFlight(value));
    } catch (error) {
      throw new Error(`${flag} ${(error as Error).message}`);
    }
  }
  return settings;
}
