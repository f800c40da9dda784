import {
  sideKey,
  type TransformerVersion,
  type TransformerVersionHeader,
} from '../../shared/domain/transformers/transformer';
import type { Page } from '../../shared/ports/contract-repository';
import type { TransformerRepository } from '../../shared/ports/transformer-repository';

/**
 * A TransformerRepository in memory, per tenant, for use-case tests (the DynamoDB one is tested
 * against dynalite).
 */
export class InMemoryTransformerRepository implements TransformerRepository {
  readonly versions = new Map<string, TransformerVersion>();

  private key = (tenant: string, name: string, version: string) => JSON.stringify([tenant, name, version]);

  async putVersion(version: TransformerVersion) {
    const key = this.key(version.owner.tenant, version.name, version.version);
    const existing = this.versions.get(key);
    if (existing) return { created: false as const, existing };
    this.versions.set(key, version);
    return { created: true as const };
  }

  async getVersion(tenant: string, name: string, version: string) {
    return this.versions.get(this.key(tenant, name, version));
  }

  async listVersionHeaders(tenant: string, name: string): Promise<TransformerVersionHeader[]> {
    return [...this.versions.values()].filter((v) => v.owner.tenant === tenant && v.name === name);
  }

  async findByPath(tenant: string, fromKey: string, toKey: string): Promise<TransformerVersionHeader[]> {
    return [...this.versions.values()].filter(
      (v) => v.owner.tenant === tenant && v.from && v.to && sideKey(v.from) === fromKey && sideKey(v.to) === toKey,
    );
  }

  async listSummaries(): Promise<Page<never>> {
    return { items: [] };
  }

  async deleteVersions(tenant: string, name: string, version?: string): Promise<string[]> {
    const doomed = [...this.versions.values()].filter(
      (v) => v.owner.tenant === tenant && v.name === name && (version === undefined || v.version === version),
    );
    for (const v of doomed) this.versions.delete(this.key(tenant, name, v.version));
    return doomed.map((v) => v.version);
  }
}
