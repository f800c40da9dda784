import { type Command, InvalidArgumentError } from 'commander';
import { ApiClient } from './client';
import { resolveEndpoint, resolveToken } from './connection';
import { globalOptionsOf } from './global-options';
import { type Output, processOutput } from './output';

/** What every command works with: the API client and where to write. */
export type Context = { client: ApiClient; output: Output };

/** Builds a command's context from the global options it was called with (see `cli/main.ts`). */
export type ContextFactory = (command: Command) => Context;

/**
 * The context factory of the process: global options (`--endpoint`, `--token`, `--json`…) over the
 * environment (`AIF_ENDPOINT`, `AIF_TOKEN`…).
 *
 * @throws {UsageError} as `resolveEndpoint` and `resolveToken` do
 */
export function contextFrom(
  env: NodeJS.ProcessEnv,
  makeOutput: (json: boolean) => Output = processOutput,
): ContextFactory {
  return (command) => {
    const options = globalOptionsOf(command);
    const client = new ApiClient({ baseUrl: resolveEndpoint(options, env), token: resolveToken(options, env) });
    return { client, output: makeOutput(Boolean(options.json)) };
  };
}

/** `--limit N`: a whole number from 1 to 1000. */
export function parseLimit(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
    throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  }
  return Number(value);
}

/** `--interval 2s`: a duration in `ms`, `s` (the default unit) or `m`, at least 100 ms; in milliseconds. */
export function parseDurationMs(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)?$/.exec(value);
  const ms = match
    ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm']
    : Number.NaN;
  if (!(ms >= 100)) throw new InvalidArgumentError('must be a duration such as 500ms, 2s or 1m (at least 100ms)');
  return ms;
}

/** `--payload JSON`, `--pattern JSON`, `--body JSON`: a JSON text, parsed. */
export function parseJsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`is not JSON (${(error as Error).message})`);
  }
}

/** `--status N`, `--weight W`: a whole number. */
export function parseInteger(value: string): number {
  if (!/^-?[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}
