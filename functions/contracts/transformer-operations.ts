import { ownerOf } from '../../shared/domain/auth/owner';
import { statusOf } from '../../shared/http/outcome-status';
import type { ContractRegistryDeps } from '../../shared/use-cases/resolve-contract';
import { runTransform } from '../../shared/use-cases/run-transform';
import {
  deleteTransformer,
  getTransformer,
  listTransformers,
  registerTransformer,
  type TransformerDeps,
} from '../../shared/use-cases/transformers';
import type { OperationsOf } from '../routes';

/** What the contracts function's operations need: the contract registry's and the transformers' dependencies. */
export type ContractsFunctionDeps = ContractRegistryDeps & TransformerDeps;

type TransformerOperationId =
  | 'registerTransformer'
  | 'listTransformers'
  | 'getTransformer'
  | 'deleteTransformer'
  | 'transform';

/**
 * The transformation pipeline's operations (issue 12), served by the contracts function: every one
 * acts in the caller's tenant; another tenant's transformers answer 404 like missing ones.
 */
export const transformerOperations: Pick<OperationsOf<'contracts', ContractsFunctionDeps>, TransformerOperationId> = {
  registerTransformer: async ({ params, body, caller }, deps) => {
    const result = await registerTransformer(deps, { name: params.name, body, owner: ownerOf(caller) });
    return {
      status: statusOf(result.outcome),
      body: result,
      ...(result.outcome === 'created' && {
        headers: {
          location: `/v1/transformers/${result.transformer.name}?version=${encodeURIComponent(result.transformer.version)}`,
        },
      }),
    };
  },
  listTransformers: async ({ query, caller }, deps) => ({
    status: 200,
    body: await listTransformers(deps, { ...query, tenant: caller.tenant }),
  }),
  getTransformer: async ({ params, query, caller }, deps) => ({
    status: 200,
    body: await getTransformer(deps, { name: params.name, version: query.version, tenant: caller.tenant }),
  }),
  deleteTransformer: async ({ params, query, caller }, deps) => ({
    status: 200,
    body: await deleteTransformer(deps, { name: params.name, version: query.version, tenant: caller.tenant }),
  }),
  transform: async ({ body, caller }, deps) => ({
    status: 200,
    body: await runTransform(deps, { ...body, tenant: caller.tenant }),
  }),
};
