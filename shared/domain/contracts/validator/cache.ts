import type { Owner } from '../../auth/owner';
import type { ContractDocument } from '../contract';
import { CompiledContract } from './compiled-contract';

/** What the cache compiles and keys by: a stored version's document, content hash and owning tenant. */
export type CacheableContract = Pick<ContractDocument, 'name' | 'version' | 'endpoints' | 'schemas'> & {
  contentHash: string;
  owner: Pick<Owner, 'tenant'>;
};

/**
 * A bounded cache of compiled contracts keyed by tenant, name, version and content hash, so each
 * contract version is compiled once per Lambda instance (least recently used entries are evicted).
 * The tenant is part of the key: contract names are per tenant, and a compile of one tenant's
 * contract never answers for another's, whatever their names and contents.
 *
 * @example
 * const cache = new CompiledContractCache(64);
 * const compiled = cache.get(contract); // compiles once, then returns the same object
 */
export class CompiledContractCache {
  private readonly entries = new Map<string, CompiledContract>();

  constructor(private readonly maxEntries = 64) {}

  get(contract: CacheableContract): CompiledContract {
    // JSON keeps the parts apart whatever characters a tenant holds.
    const key = JSON.stringify([contract.owner.tenant, contract.name, contract.version, contract.contentHash]);
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
