import { DynamoDbContractRepository } from '../../shared/adapters/dynamodb/contract-repository';
import type { ApiHandler } from '../../shared/middleware/http-api';
import { awsAuditLog } from '../audit-wiring';
import { type FunctionBase, httpOptions, requireSetting } from '../wiring';
import { createSystemHandler, type SystemDeps } from './app';

/**
 * The system function's dependencies: the stores its health check pings (contracts and errors
 * tables), the audit table, and how callers authenticate (AUTH_ENFORCED, AUTH_TOKEN_URL,
 * AUTH_SCOPE_PREFIX), which the OpenAPI document declares.
 */
export function systemDeps(base: FunctionBase): SystemDeps {
  const { AUTH_ENFORCED, AUTH_TOKEN_URL, AUTH_SCOPE_PREFIX } = base.config;
  return {
    stores: {
      contracts: new DynamoDbContractRepository(base.documentClient, requireSetting(base.config, 'CONTRACTS_TABLE')),
      errors: base.policyStore,
    },
    audit: awsAuditLog(base.config, base.documentClient),
    auth: {
      mode: AUTH_ENFORCED,
      ...(AUTH_TOKEN_URL && { tokenUrl: AUTH_TOKEN_URL }),
      ...(AUTH_SCOPE_PREFIX && { scopePrefix: AUTH_SCOPE_PREFIX }),
    },
  };
}

/**
 * The system function as Lambda runs it: the AWS adapters on `base` (the entry point passes
 * `awsFunctionBase('system')`; tests pass a base with their own environment and clock).
 */
export function awsSystemHandler(base: FunctionBase): ApiHandler {
  return createSystemHandler(systemDeps(base), httpOptions(base));
}
