import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { DynamoDbTransformerRepository } from '../../shared/adapters/dynamodb/transformer-repository';
import { JsonataMappingEngine } from '../../shared/adapters/jsonata/jsonata-mapping-engine';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import { codecRegistry } from '../../shared/http/codecs/registry';
import type { ApiHandler } from '../../shared/middleware/http-api';
import type { Clock } from '../../shared/ports/clock';
import type { TransformerRepository } from '../../shared/ports/transformer-repository';
import { CompiledMappingCache } from '../../shared/use-cases/compiled-mapping-cache';
import type { TransformerDeps } from '../../shared/use-cases/transformers';
import { type FunctionBase, httpOptions, requireSetting } from '../wiring';
import { createContractsHandler } from './app';
import type { ContractsFunctionDeps } from './transformer-operations';

/**
 * The contracts function's dependencies on a function base (either mode): the contracts table
 * (contracts and transformers), a compiled-contract cache of 64 entries, the JSONata engine (loaded
 * on the first route that compiles a mapping) with a compiled-mapping cache of 128, and the codec
 * registry with MAX_BODY_BYTES as the largest payload a transformation step may produce.
 */
export function contractsDeps(base: FunctionBase): ContractsFunctionDeps {
  const table = requireSetting(base.config, 'CONTRACTS_TABLE');
  return {
    contracts: new DynamoDbContractRepository(base.documentClient, table),
    compiled: new CompiledContractCache(64),
    ...transformerDeps(
      new DynamoDbTransformerRepository(base.documentClient, table),
      base.clock,
      base.config.MAX_BODY_BYTES,
    ),
  };
}

/**
 * The transformers' dependencies around a repository: the JSONata engine (loaded on first compile),
 * a compiled-mapping cache of 128 entries, the codec registry, and the largest payload a step may
 * produce (`maxBodyBytes`, MAX_BODY_BYTES).
 *
 * @example const deps = { ...registryDeps, ...transformerDeps(new DynamoDbTransformerRepository(client, table), clock, 2 * 1024 * 1024) };
 */
export function transformerDeps(
  transformers: TransformerRepository,
  clock: Clock,
  maxBodyBytes: number,
): TransformerDeps {
  const mappings = new JsonataMappingEngine();
  return {
    transformers,
    mappings,
    compiledMappings: new CompiledMappingCache(mappings, 128),
    codecs: codecRegistry,
    maxBodyBytes,
    clock,
  };
}

/**
 * The contracts function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('contracts')`; tests pass a base with their own environment and clock).
 */
export function awsContractsHandler(base: FunctionBase): ApiHandler {
  return createContractsHandler(contractsDeps(base), httpOptions(base));
}
