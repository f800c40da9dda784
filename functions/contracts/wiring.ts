import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import { CompiledContractCache } from '../../shared/domain/contracts/validator';
import type { ApiHandler } from '../../shared/middleware/http-api';
import type { ContractRegistryDeps } from '../../shared/use-cases/resolve-contract';
import { type FunctionBase, httpOptions, requireSetting } from '../wiring';
import { createContractsHandler } from './app';

/** The contract registry's dependencies on a function base (either mode): the contracts table and a compiled-contract cache of 64 entries. */
export function contractsDeps(base: FunctionBase): ContractRegistryDeps {
  return {
    contracts: new DynamoDbContractRepository(base.documentClient, requireSetting(base.config, 'CONTRACTS_TABLE')),
    clock: base.clock,
    compiled: new CompiledContractCache(64),
  };
}

/**
 * The contracts function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('contracts')`; tests pass a base with their own environment and clock).
 */
export function awsContractsHandler(base: FunctionBase): ApiHandler {
  return createContractsHandler(contractsDeps(base), httpOptions(base));
}
