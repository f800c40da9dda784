import { readFileSync } from 'node:fs';
import { fetchClientCredentialsToken } from './client-credentials';
import { UsageError } from './errors';

/** The global options that say where the API is and who calls it (flags, before the environment). */
export type ConnectionOptions = {
  endpoint?: string;
  outputs?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
};

/** The local runner's address, the last fallback. */
export const LOCAL_ENDPOINT = 'http://localhost:3000';

/** A stack's outputs as `cdk deploy --outputs-file` writes them: `{ "<stack>": { "<output>": "<value>" } }`. */
type OutputsFile = Record<string, Record<string, unknown>>;

/**
 * The API's base URL: `--endpoint`, else `AIF_ENDPOINT`, else the `ApiUrl` output (the API stack's
 * CfnOutput) in the `cdk deploy --outputs-file` JSON named by `--outputs` or `AIF_OUTPUTS`, else
 * the local runner (http://localhost:3000). A trailing `/` is dropped (the stage URL ends in one).
 *
 * @throws {UsageError} when the URL is not http(s), or the outputs file is unreadable, is not JSON,
 *   has no `ApiUrl`, or has it in more than one stack
 * @example resolveEndpoint({ outputs: 'cdk-outputs.json' }, {}) // 'https://abc.execute-api.eu-west-1.amazonaws.com/dev'
 */
export function resolveEndpoint(options: ConnectionOptions, env: NodeJS.ProcessEnv): string {
  const outputsFile = options.outputs ?? env.AIF_OUTPUTS;
  const raw =
    options.endpoint ??
    env.AIF_ENDPOINT ??
    (outputsFile ? stackOutput(outputsFile, 'ApiUrl') : undefined) ??
    LOCAL_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`endpoint "${raw}" is not a URL (expected e.g. ${LOCAL_ENDPOINT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`endpoint "${raw}" must be http:// or https://`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * An output's value in a `cdk deploy --outputs-file` JSON, from whichever stack has it.
 *
 * @returns the value, or `undefined` when no stack has the output
 * @throws {UsageError} when the file cannot be read or parsed, or two stacks have the output
 */
export function stackOutput(file: string, output: string): string | undefined {
  let parsed: OutputsFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as OutputsFile;
  } catch (error) {
    throw new UsageError(`cannot read the outputs file ${file}: ${(error as Error).message}`);
  }
  const found = Object.entries(parsed ?? {}).filter(
    ([, outputs]) => outputs && typeof outputs === 'object' && typeof outputs[output] === 'string',
  );
  if (found.length > 1) {
    throw new UsageError(
      `the outputs file ${file} has ${output} in several stacks (${found.map(([s]) => s).join(', ')}); pass --endpoint`,
    );
  }
  if (found.length === 0) {
    if (output === 'ApiUrl') throw new UsageError(`the outputs file ${file} has no ApiUrl output in any stack`);
    return undefined;
  }
  return found[0]![1][output] as string;
}

/**
 * How requests authenticate: a bearer token (`--token`, else `AIF_TOKEN`), else a Cognito
 * client-credentials flow when a client id and secret are given (`--client-id`/`AIF_CLIENT_ID`,
 * else the outputs file's `AgentClientId`; `--client-secret`/`AIF_CLIENT_SECRET`; `--token-url`/
 * `AIF_TOKEN_URL`, else the outputs file's `TokenUrl`), else none (the local runner with auth off).
 *
 * @returns a provider that yields the token, fetching a client-credentials token once and reusing it
 * @throws {UsageError} when a client secret is given without a client id or token URL, or the reverse
 */
export function resolveToken(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = globalThis.fetch,
): () => Promise<string | undefined> {
  const token = options.token ?? env.AIF_TOKEN;
  if (token) return async () => token;
  const outputsFile = options.outputs ?? env.AIF_OUTPUTS;
  const secret = options.clientSecret ?? env.AIF_CLIENT_SECRET;
  const explicitId = options.clientId ?? env.AIF_CLIENT_ID;
  const explicitUrl = options.tokenUrl ?? env.AIF_TOKEN_URL;
  if (!secret && !explicitId && !explicitUrl) return async () => undefined;
  const clientId = explicitId ?? (outputsFile ? stackOutput(outputsFile, 'AgentClientId') : undefined);
  const tokenUrl = explicitUrl ?? (outputsFile ? stackOutput(outputsFile, 'TokenUrl') : undefined);
  const missing = [
    !clientId && '--client-id (or AIF_CLIENT_ID)',
    !secret && '--client-secret (or AIF_CLIENT_SECRET)',
    !tokenUrl && '--token-url (or AIF_TOKEN_URL)',
  ].filter(Boolean);
  if (missing.length > 0) throw new UsageError(`the client-credentials flow needs ${missing.join(', ')}`);
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= fetchClientCredentialsToken(
      { tokenUrl: tokenUrl!, clientId: clientId!, clientSecret: secret! },
      fetchImpl,
    );
    return cached;
  };
}
