import type { ContractDocument } from '../contract';
import { CompiledContract } from './compiled-contract';

/**
 * A bounded cache of compiled contracts keyed by name, version and content hash, so each contract
 * version is compiled once per Lambda instance (least recently used entries are evicted).
 *
 * @example
 * const cache = new CompiledContractCache(64);
 * const compiled = cache.get(contract); // compiles once, then returns the same object
 */
export class CompiledContractCache {
  private readonly entries = new Map<string, CompiledContract>();

  constructor(private readonly maxEntries = 64) {}

  get(contract: Pick<ContractDocument, 'name' | 'version' | 'endpoints' | 'schemas'> & { contentHash: string }) {
    const key = `${contract.name}@${contract.version}#${contract.contentHash}`;
    let compiled = this.entries.get(key);
    if (compiled) {
      this.entries.delete(key);
    } else {
      compiled = new CompiledContract(contract);
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, compiled);
    return compiled;
  }
}
