import type { TransformerVersion } from '../domain/transformers/transformer';
import type { CompiledMapping, MappingEngine, MappingError } from '../ports/mapping-engine';

/** A compiled mapping, or why its expression does not compile (a version stored before a stricter engine). */
export type CompiledOrError = { mapping: CompiledMapping } | { error: MappingError };

/**
 * A bounded cache of compiled mappings keyed by tenant, name, version and content hash, so each
 * transformer version is compiled once per Lambda instance (least recently used entries are
 * evicted). The content hash is part of the key: a version deleted and registered again with other
 * content is compiled again, never answered from the old entry.
 *
 * @example const compiled = await cache.get(version); // compiles once, then returns the same promise's result
 */
export class CompiledMappingCache {
  private readonly entries = new Map<string, Promise<CompiledOrError>>();

  /** @param maxEntries - how many compiled mappings one instance keeps */
  constructor(
    private readonly engine: MappingEngine,
    private readonly maxEntries = 128,
  ) {}

  get(
    version: Pick<TransformerVersion, 'owner' | 'name' | 'version' | 'contentHash' | 'expression'>,
  ): Promise<CompiledOrError> {
    // JSON keeps the parts apart whatever characters a tenant holds.
    const key = JSON.stringify([version.owner.tenant, version.name, version.version, version.contentHash]);
    let compiled = this.entries.get(key);
    if (compiled) {
      this.entries.delete(key);
    } else {
      compiled = this.engine.compile(version.expression);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, compiled);
    return compiled;
  }
}
