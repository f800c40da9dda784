import type { RequestSample, ValidationOutcome } from '../domain/contracts/validator';
import { type ContractRegistryDeps, resolveContract } from './resolve-contract';

/** The answer of the validate routes: the outcome plus which version and endpoint judged it. */
export type TrafficValidationResult = ValidationOutcome & { version: string };

/**
 * Validates a request against a contract version of the tenant's (the latest when `version` is
 * absent), using validators compiled once per contract version and cached for the Lambda instance.
 *
 * @param input.tenant - whose contract to validate against: the caller's
 * @throws {ContractNotFoundError} when the tenant has no such contract or version
 * @throws {EndpointNotFoundError} naming the known endpoints when the method and path match none
 * @example await validateRequest(deps, { tenant: 'acme', name: 'petstore', method: 'GET', path: '/pets/1', request: {} })
 */
export async function validateRequest(
  deps: ContractRegistryDeps,
  input: { tenant: string; name: string; version?: string; method: string; path: string; request: RequestSample },
): Promise<TrafficValidationResult> {
  const contract = await resolveContract(deps, input);
  const outcome = deps.compiled.get(contract).validateRequest(input.method, input.path, input.request);
  return { valid: outcome.valid, errors: outcome.errors, version: contract.version, endpoint: outcome.endpoint };
}

/**
 * Validates a response body against the response or error schema the endpoint declares for `status`,
 * in a contract version of the tenant's.
 *
 * @param input.tenant - whose contract to validate against: the caller's
 * @param input.status - the response's HTTP status code
 * @throws {ContractNotFoundError} when the tenant has no such contract or version
 * @throws {EndpointNotFoundError} when the method and path match no endpoint
 */
export async function validateResponse(
  deps: ContractRegistryDeps,
  input: {
    tenant: string;
    name: string;
    version?: string;
    method: string;
    path: string;
    status: number;
    body?: unknown;
  },
): Promise<TrafficValidationResult> {
  const contract = await resolveContract(deps, input);
  const compiled = deps.compiled.get(contract);
  const outcome = compiled.validateResponse(input.method, input.path, input.status, input.body, contract.errorCodes);
  return { valid: outcome.valid, errors: outcome.errors, version: contract.version, endpoint: outcome.endpoint };
}
