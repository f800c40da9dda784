import { type ServiceInstanceInput, ServiceInstanceInputSchema } from '../../shared/domain/mesh/service-instance';

/**
 * A registration of an `orders` 1.2.0 instance as the API would parse it (schema defaults
 * applied), its endpoint and health endpoint under `http://10.0.1.7:8080/<id>`.
 *
 * @example registry.register(registration('orders-2', { version: '2.0.0' }), A, T0)
 */
export function registration(id: string, overrides: Partial<ServiceInstanceInput> = {}): ServiceInstanceInput {
  return ServiceInstanceInputSchema.parse({
    id,
    name: 'orders',
    version: '1.2.0',
    endpoint: `http://10.0.1.7:8080/${id}`,
    healthEndpoint: `http://10.0.1.7:8080/${id}/health`,
    ...overrides,
  });
}
