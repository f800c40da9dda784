import semver from 'semver';
import * as z from 'zod';
import type { Owner } from '../auth/owner';
import { SupportedFormatsSchema } from './format-plan';

/** An instance's health as the health checks and the router see it. */
export const INSTANCE_STATUSES = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Service names and instance ids: letters, digits, `. _ -`, 1–64 characters, starting alphanumeric. */
export const MeshNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and hold letters, digits, ".", "_" or "-"');

/** Most weight one instance or split may carry (weights are relative). */
export const MAX_WEIGHT = 1000;

/** `POST /v1/services`: one instance of a service (the seed's ServiceRegistration). */
export const ServiceInstanceInputSchema = z
  .object({
    id: MeshNameSchema,
    name: MeshNameSchema,
    version: z
      .string()
      .max(128)
      .refine((v) => semver.valid(v) !== null, 'must be a semantic version (MAJOR.MINOR.PATCH)'),
    /** Base URL the router forwards to, e.g. `http://10.0.1.7:8080`: no query or fragment (the forwarded path is appended). */
    endpoint: z
      .string()
      .max(2048)
      .refine(
        (url) => !/[?#]/.test(url),
        'must hold no query or fragment: the forwarded path and query are appended to it',
      ),
    /** Full URL the health check GETs. */
    healthEndpoint: z.string().max(2048),
    metadata: z.record(z.string().max(128), z.string().max(1024)).default({}),
    /** Relative share of traffic; 0 drains the instance. */
    weight: z.number().int().min(0).max(MAX_WEIGHT).default(100),
    /**
     * The caller's claim about its health (`unknown`: no claim). The registry stores a claim until
     * the next health check replaces it.
     */
    status: z.enum(INSTANCE_STATUSES).default('unknown'),
    /**
     * The seed's ServiceRegistration.lastHealthCheck (ms since epoch there): accepted in any form
     * and ignored, since the health checks own it; registration answers a warning.
     */
    lastHealthCheck: z.unknown().optional(),
    /**
     * The media types the instance reads and writes, preferred first (the seed's DataTarget
     * `supportedFormats`), e.g. `["application/msgpack", "application/json"]`. The router then
     * converts bodies between them and the caller's formats (see `planFormats`); absent, bytes are
     * relayed as they are, whatever their type.
     */
    supportedFormats: SupportedFormatsSchema.optional(),
  })
  .strict();

/** A registration as stored: the server-owned `lastHealthCheck` a client may send is dropped. */
export type ServiceInstanceInput = Omit<z.output<typeof ServiceInstanceInputSchema>, 'lastHealthCheck'>;

/** A registered instance. */
export type ServiceInstance = ServiceInstanceInput & {
  /**
   * Who registered it (from the caller's identity, never the body): only this principal may
   * re-register the id, and only its tenant sees the instance.
   */
  owner: Owner;
  /** +1 on every registration (health checks leave it alone); re-registration may be made conditional on it. */
  revision: number;
  registeredAt: string;
  /** Last registration (heartbeat), ISO 8601. */
  lastHeartbeatAt: string;
  lastHealthCheck?: {
    at: string;
    status: InstanceStatus;
    /** HTTP status of the health endpoint, when it answered. */
    httpStatus?: number;
    /** Why it is unhealthy: timeout, connection error, blocked address… */
    error?: string;
    latencyMs?: number;
  };
};
