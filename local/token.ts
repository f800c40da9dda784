import { parseArgs } from 'node:util';
import { TOKEN_PATH } from './issuer-endpoints';

const USAGE =
  'usage: npm run -s token -- --scopes "mesh:read mesh:write" [--tenant t1] [--subject agent-1] [--ttl 5m] [--url http://localhost:3000]';

/**
 * `npm run -s token -- --scopes "…" [--tenant T] [--subject S] [--ttl 5m] [--url URL]`: prints an
 * access token of the local issuer (`npm run dev -- --auth jwt` without `--issuer`).
 *
 * The signing key never leaves the runner: the script asks the runner's loopback-only token
 * endpoint (`POST /local/token`), which signs with the key it holds in memory (or in `--data`).
 * The URL is `--url`, else `AIF_URL`, else http://localhost:3000.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scopes: { type: 'string', default: '' },
      tenant: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string', default: '5m' },
      url: { type: 'string', default: process.env.AIF_URL ?? 'http://localhost:3000' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const ttlSeconds = parseTtlSeconds(values.ttl);
  const scopes = values.scopes.split(/\s+/).filter((s) => s.length > 0);
  const response = await fetch(new URL(TOKEN_PATH, values.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      scopes,
      ttlSeconds,
      ...(values.tenant && { tenant: values.tenant }),
      ...(values.subject && { subject: values.subject }),
    }),
  }).catch((error: unknown) => {
    throw new Error(
      `cannot reach the local runner at ${values.url} (${String(error)}); is npm run dev -- --auth jwt running?`,
    );
  });
  const text = await response.text();
  if (!response.ok) {
    const detail =
      response.status === 404 || response.status === 401
        ? ' (is the runner using the local issuer: --auth jwt without --issuer?)'
        : '';
    throw new Error(`the runner answered ${response.status}${detail}: ${text}`);
  }
  console.log((JSON.parse(text) as { access_token: string }).access_token);
}

/**
 * A duration such as `300`, `300s`, `5m`, `2h` or `1d`, in seconds.
 *
 * @throws {Error} for anything else
 * @example parseTtlSeconds('5m') // 300
 */
function parseTtlSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`--ttl must be a duration such as 300, 300s, 5m, 2h or 1d; got ${text}`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

main().catch((error: unknown) => {
  console.error(`token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
