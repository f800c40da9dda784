/**
 * Values loaded by key and trusted for `ttlMs` afterwards (per Lambda instance): the mesh router's
 * cache of claims, registrations, rules, breaker states and settings. Absent values (`undefined`,
 * an empty list) are cached like any other, so an unknown name costs one read per TTL, not one per
 * call.
 *
 * @example
 * const rules = new TtlCache<RoutingRule[]>(2_000, () => clock.now().getTime());
 * await rules.get(tenant, () => repository.list(tenant)); // read once per 2 s
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  /**
   * @param ttlMs - how long a loaded value is trusted, milliseconds
   * @param nowMs - the clock, epoch milliseconds
   */
  constructor(
    private readonly ttlMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** The value under `key`: the cached one while fresh, else what `load` answers (then cached). */
  async get(key: string, load: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    const now = this.nowMs();
    if (cached && now - cached.at < this.ttlMs) return cached.value;
    const value = await load();
    this.entries.set(key, { value, at: now });
    return value;
  }

  /** Replaces the value under `key`, fresh from now (e.g. a state this instance just wrote). */
  set(key: string, value: T): void {
    this.entries.set(key, { value, at: this.nowMs() });
  }
}

/**
 * A cache key for a name within a tenant: the tenant percent-encoded, so `/` separates exactly two
 * parts whatever the tenant holds.
 *
 * @example tenantKey('acme', 'orders') // 'acme/orders'
 */
export const tenantKey = (tenant: string, name: string): string => `${encodeURIComponent(tenant)}/${name}`;
