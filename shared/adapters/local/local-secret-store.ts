import { readFile } from 'node:fs/promises';
import { UpstreamFailedError } from '../../domain/errors';
import type { SecretStore } from '../../ports/upstream-credentials';

/**
 * SecretStore for the local runner: secrets by name from a map, or from a JSON file of
 * `{ "<secret name>": "<value>" }` (`npm run dev -- --secrets FILE`), read again on every lookup so
 * an edited file takes effect at once. Local-only: never part of a Lambda bundle.
 *
 * @example new LocalSecretStore({ file: 'secrets.local.json' })
 */
export class LocalSecretStore implements SecretStore {
  /** @param source - the secrets themselves (`values`), or a JSON file holding them (`file`) */
  constructor(private readonly source: { values?: Readonly<Record<string, string>>; file?: string }) {}

  /**
   * The named secret's value.
   *
   * @throws {UpstreamFailedError} when no such secret exists, or the file cannot be read or is not a JSON object of strings
   */
  async getSecret(name: string): Promise<string> {
    const values = { ...(await this.fromFile()), ...this.source.values };
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (typeof value !== 'string') {
      throw new UpstreamFailedError(`The upstream credential secret ${name} cannot be read (not in the local secrets)`);
    }
    return value;
  }

  private async fromFile(): Promise<Record<string, unknown>> {
    if (this.source.file === undefined) return {};
    try {
      const parsed: unknown = JSON.parse(await readFile(this.source.file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // Reported below, without the file's contents.
    }
    throw new UpstreamFailedError(`The local secrets file ${this.source.file} is not a readable JSON object`);
  }
}
