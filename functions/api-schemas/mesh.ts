import * as z from 'zod';
import { BreakerConfigSchema } from '../../shared/domain/mesh/circuit-breaker';
import { RoutingRuleSchema, StoredRoutingRuleSchema } from '../../shared/domain/mesh/routing-rule';
import {
  INSTANCE_STATUSES,
  MeshNameSchema,
  ServiceInstanceInputSchema,
} from '../../shared/domain/mesh/service-instance';
import { UpstreamCredentialSchema } from '../../shared/domain/mesh/upstream-credential';
import { OwnerSchema } from './common';

/** The service mesh: instances, routing rules, topology and circuit breakers. */

export const ServiceInstanceBody = ServiceInstanceInputSchema.meta({ id: 'ServiceRegistration' });

export const ServiceInstanceResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    endpoint: z.string(),
    healthEndpoint: z.string(),
    metadata: z.record(z.string(), z.string()),
    weight: z.number().int(),
    status: z.enum(INSTANCE_STATUSES),
    supportedFormats: z.array(z.string()).optional().meta({
      description: 'Media types the instance reads and writes, preferred first; absent: bodies relayed as they are',
    }),
    owner: OwnerSchema,
    revision: z.number().int(),
    registeredAt: z.string(),
    lastHeartbeatAt: z.string(),
    lastHealthCheck: z
      .object({
        at: z.string(),
        status: z.enum(INSTANCE_STATUSES),
        httpStatus: z.number().int().optional(),
        error: z.string().optional(),
        latencyMs: z.number().optional(),
      })
      .optional(),
  })
  .meta({ id: 'ServiceInstance' });

/** What registration answers: the instance, and `warnings` when it ignored a member it owns. */
export const RegisteredInstanceResponse = ServiceInstanceResponse.extend({
  warnings: z
    .array(z.object({ pointer: z.string(), message: z.string(), keyword: z.string().optional() }))
    .optional()
    .meta({ description: "Members sent but ignored because the server owns them (the seed's lastHealthCheck)" }),
});

export const ServiceInstanceListResponse = z.object({
  items: z.array(ServiceInstanceResponse),
  nextCursor: z.string().optional(),
});
export const MeshIdParams = z.object({ id: MeshNameSchema });
export const RoutingRuleBody = RoutingRuleSchema.meta({ id: 'RoutingRuleInput' });
export const RoutingRuleResponse = StoredRoutingRuleSchema.extend({ owner: OwnerSchema }).meta({
  id: 'RoutingRule',
});
export const RoutingRuleListResponse = z.object({
  items: z.array(RoutingRuleResponse),
  nextCursor: z.string().optional(),
});

export const TopologyResponse = z
  .object({
    services: z.array(
      z.object({
        name: z.string(),
        versions: z.array(z.string()),
        instanceCount: z.number().int(),
        healthyCount: z.number().int(),
      }),
    ),
    connections: z.array(z.object({ source: z.string(), target: z.string(), weight: z.number(), ruleId: z.string() })),
  })
  .meta({ id: 'ServiceTopology' });

export const BreakerListResponse = z.object({
  items: z.array(
    z.object({
      instanceId: z.string(),
      service: z.string().optional(),
      state: z.enum(['closed', 'open', 'half-open']),
      failureCount: z.number().int(),
      openedAt: z.number().int().optional(),
      permits: z.record(z.string(), z.number()),
      successes: z.number().int(),
      version: z.number().int(),
      updatedAt: z.number().int().optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});

export const MeshProxyParams = z.object({ service: MeshNameSchema, proxy: z.string().min(1).max(2048) });

export const BreakerConfigBody = BreakerConfigSchema.meta({ id: 'BreakerConfig' });
export const BreakerConfigResponse = z.object({
  service: z.string(),
  config: BreakerConfigSchema,
  origin: z.enum(['service', 'default']),
  owner: OwnerSchema.optional().meta({ description: 'Who stored the settings (absent for the defaults)' }),
});

export const UpstreamCredentialBody = UpstreamCredentialSchema.meta({ id: 'UpstreamCredential' });
export const UpstreamCredentialResponse = z.object({
  service: z.string(),
  secretName: z.string().meta({ description: 'The Secrets Manager secret whose SecretString is the header value' }),
  header: z.string().meta({ description: 'The header the router sets on every call to the service' }),
  owner: OwnerSchema,
});
