/**
 * Outbound budgets: how many calls one tenant may have in flight at once, counted across every
 * Lambda instance (each instance serves one request at a time, so an instance-local counter would
 * limit nothing). A slot is a lease with an expiry, so a Lambda that dies mid-call (no `finally`)
 * holds its slot only until the lease expires.
 */

/** What a budget limits: calls routed by the mesh, or webhook deliveries of the dispatcher. */
export type OutboundScope = 'mesh' | 'webhook';

/**
 * Calls one tenant may have in flight through the mesh without MESH_MAX_IN_FLIGHT_PER_TENANT: half
 * the mesh function's reserved concurrency (100, function manifest), so one tenant's slow upstream
 * leaves the other half to everybody else.
 */
export const DEFAULT_MESH_MAX_IN_FLIGHT = 50;

/**
 * Webhook deliveries one tenant may have in flight without WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: half
 * the dispatcher's reserved concurrency (20, function manifest).
 */
export const DEFAULT_WEBHOOK_MAX_IN_FLIGHT = 10;

/** The most in-flight calls a budget may allow per tenant (a lease map this size stays far below 400 KB). */
export const MAX_IN_FLIGHT_LIMIT = 1000;

/**
 * Longest lease, milliseconds: Lambda's longest invocation (15 minutes). Every lease is shorter, so
 * an item's TTL set this far ahead by each acquisition outlives every lease in it.
 */
export const MAX_LEASE_MS = 15 * 60 * 1000;

/**
 * Added to a call's own timeout to make its lease, milliseconds: the lease must not expire while
 * the call can still be running (the time to read the answer and release).
 */
export const LEASE_MARGIN_MS = 5_000;

/** Leases by id, each the epoch milliseconds it expires at (the stored `leases` map). */
export type Leases = Readonly<Record<string, number>>;

/**
 * The item key of one tenant's budget in one scope (`<tenant>` percent-encoded, so it holds no `#`).
 *
 * @example inFlightKey('mesh', 'acme') // 'INFLIGHT#mesh#acme'
 */
export const inFlightKey = (scope: OutboundScope, tenant: string): string =>
  `INFLIGHT#${scope}#${encodeURIComponent(tenant)}`;

/**
 * The leases that have expired at `nowMs` (expiry ≤ now), with the expiry each was read with: a
 * removal conditioned on that value can never remove a lease that is live.
 *
 * @example expiredLeases({ a: 900, b: 2000 }, 1000) // [['a', 900]]
 */
export function expiredLeases(leases: Leases, nowMs: number): Array<[id: string, expiresAtMs: number]> {
  return Object.entries(leases).filter(([, expiresAtMs]) => expiresAtMs <= nowMs);
}

/**
 * Milliseconds until the earliest live lease expires (when a slot is free at the latest), at
 * least 1; undefined when no lease is live.
 *
 * @example untilFirstExpiry({ a: 1500, b: 3000 }, 1000) // 500
 */
export function untilFirstExpiry(leases: Leases, nowMs: number): number | undefined {
  const live = Object.values(leases).filter((expiresAtMs) => expiresAtMs > nowMs);
  return live.length === 0 ? undefined : Math.max(1, Math.min(...live) - nowMs);
}

/**
 * The item's TTL (epoch seconds) written by an acquisition at `nowMs`: {@link MAX_LEASE_MS} and a
 * minute ahead, so DynamoDB never deletes an item that still holds a live lease — every lease
 * acquired before this write expires earlier.
 */
export const leaseItemExpiresAtSeconds = (nowMs: number): number => Math.ceil((nowMs + MAX_LEASE_MS) / 1000) + 60;
