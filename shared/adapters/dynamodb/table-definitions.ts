import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A key attribute: name and DynamoDB scalar type (S string, N number, B binary). */
export type KeyAttribute = { name: string; type: 'S' | 'N' | 'B' };

/**
 * One DynamoDB table as both the CDK stack and the local runner create it, so both modes use
 * the same keys and indexes. All indexes project all attributes.
 */
export type TableDefinition = {
  /** Construct id in CDK and table-name stem locally (`aif-<stem>`). */
  id: string;
  /** Environment variable that carries the physical table name to the functions. */
  envVar: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes: Array<{ indexName: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }>;
  /** Attribute that holds an expiry time in epoch seconds, if items expire. */
  timeToLiveAttribute?: string;
};

/**
 * Contracts, one namespace per tenant (`<tenant>` is `tenantSegment(tenant)`, percent-encoded, so it
 * never holds `#`; names never do either): versions under `pk = CONTRACT#<tenant>#<name>,
 * sk = VERSION#<version>` (each with its `owner`), one summary per tenant and name under
 * `sk = META`, which also carries the name's registration lease. The `byKind` index lists one
 * tenant's summaries (`gsi1pk = CONTRACTS#<tenant>`, `gsi1sk = <name>`), so a page never holds,
 * and a cursor never reaches, another tenant's names.
 *
 * Transformers (issue 12) share the table under their own prefixes: versions under
 * `pk = TRANSFORMER#<tenant>#<name>, sk = VERSION#<version>`, summaries under `sk = META` listed by
 * `byKind` (`gsi1pk = TRANSFORMERS#<tenant>`), and a version with both sides indexed by them
 * (`gsi1pk = TRANSFORMER-PATH#<tenant>#<from>#<to>`, `gsi1sk = <name>#<version>`) for direct paths.
 */
export const contractsTable: TableDefinition = {
  id: 'Contracts',
  envVar: 'CONTRACTS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byKind', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
};

/**
 * Error policies and error counters. Policies are framework-wide (administration, not tenant data)
 * and live under `pk = POLICY, sk = <key>`, each with `updatedBy` (the owner of the last write).
 * Counters are per tenant, under `pk = COUNT#<tenant>#<window>#<windowStart ISO>,
 * sk = <source>#<code>` (`<tenant>` is `tenantSegment(tenant)`, percent-encoded; sources and codes
 * cannot contain `#`), expiring through `expiresAt` (epoch seconds) once their window is well past.
 * Errors the framework records outside any request for no known tenant are counted under the
 * reserved tenant `aif` (`FRAMEWORK_TENANT`), which no caller can be.
 */
export const errorsTable: TableDefinition = {
  id: 'Errors',
  envVar: 'ERRORS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The event log, per tenant (`<tenant>` is `tenantSegment`'s percent-encoding): one item per
 * tenant and event id under `pk = EVENT#<tenant>#<id>` (the conditional write that makes
 * publishing idempotent per tenant), expiring through `expiresAt`. `byCorrelation` lists a flow's
 * events in time order (`gsi1pk = CORR#<tenant>#<correlationId>`, `gsi1sk = <timestamp>#<id>`);
 * `byHour` lists events by publication hour (`gsi2pk = HOUR#<tenant>#<yyyy-mm-ddThh>`,
 * `gsi2sk = <timestamp>#<id>`) for local replays. Event sources are claimed by the first tenant
 * publishing them under `pk = SOURCE#<source>` (`owner`, `claimedAt`; never expiring).
 */
export const eventsTable: TableDefinition = {
  id: 'Events',
  envVar: 'EVENTS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byCorrelation', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
    { indexName: 'byHour', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Subscriptions and dead letters, per tenant (`<tenant>` percent-encoded, `tenantSegment`).
 * Subscriptions: `pk = SUBSCRIPTION#<tenant>, sk = <id>`. Dead letters: `pk = DEADLETTER#<tenant>,
 * sk = <id>` (ids sort by creation time), listed per subscription through `bySubscription`
 * (`gsi1pk = SUB#<tenant>#<subscriptionId>`) and per event type through `byType`
 * (`gsi2pk = TYPE#<tenant>#<type>`), both sorted by `gsi1sk`/`gsi2sk = <id>`, expiring through
 * `expiresAt` (epoch seconds) after the event retention.
 */
export const deliveryTable: TableDefinition = {
  id: 'Delivery',
  envVar: 'DELIVERY_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'bySubscription',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
    { indexName: 'byType', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
  ],
  // Dead letters expire with the event retention; subscriptions carry no top-level expiresAt and stay.
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The service mesh: service-name claims, registered instances, routing rules and shared circuit
 * breakers. Tenants appear percent-encoded (`tenantSegment`) wherever a key holds one.
 * - Service-name claims (one namespace for every tenant): `pk = SERVICE#<name>, sk = CLAIM`,
 *   `owner {tenant, principal}` of the first claimant.
 * - Instances (ids are one namespace for every tenant): `pk = INSTANCE, sk = <instance id>` — the
 *   scheduled health checks read this whole partition — with `owner`, listed per tenant's service
 *   through `byName` (`gsi1pk = SERVICE#<tenant>#<name>`, `gsi1sk = <instance id>`) and per tenant
 *   through `byTenant` (`gsi2pk = TENANT#<tenant>`, `gsi2sk = <instance id>`). `revision` counts
 *   registrations; health checks set `status` and `lastHealthCheck` without touching it.
 * - Routing rules: `pk = RULE#<tenant>, sk = <rule id>`, with `owner`; `match`, `splits` and
 *   `headersToAdd` are JSON text (`matchJson`, `splitsJson`, `headersToAddJson`).
 * - Circuit breakers: `pk = BREAKER#<tenant>, sk = <instance id>`; `permits` is a map (permit id →
 *   lease end, epoch ms) and `version` the compare-and-set counter.
 * - Per-service breaker settings: `pk = BREAKER_CONFIG#<tenant>, sk = <service name>`, `config` a
 *   map, with `owner`.
 * Each tenant's rules, breakers and settings are one small partition (a registry, not a data set),
 * read whole with a strongly consistent Query; its instances are read through the indexes
 * (eventually consistent). Items written before tenants existed (`pk = RULE`, `BREAKER`, …, instances
 * without `owner`) are not migrated: no tenant sees them.
 */
export const meshTable: TableDefinition = {
  id: 'Mesh',
  envVar: 'MESH_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byName', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
    { indexName: 'byTenant', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
  ],
};

/**
 * The audit trail (issue 10): one item per record under `pk = TENANT#<tenant>` (percent-encoded,
 * `TENANT#` for unauthenticated callers), `sk = <time ISO>#<record id>`, so a tenant's records read
 * newest first with a time range on the key. `byTime` lists every tenant's records
 * (`gsi1pk = AUDIT`, `gsi1sk = <time>#<id>`), `byPrincipal` one principal's
 * (`gsi2pk = PRINCIPAL#<tenant>#<principal>`, `gsi2sk = <time>#<id>`). Records expire through
 * `expiresAt` (epoch seconds) after AUDIT_RETENTION_DAYS.
 */
export const auditTable: TableDefinition = {
  id: 'Audit',
  envVar: 'AUDIT_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { indexName: 'byTime', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
    { indexName: 'byPrincipal', partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * Token buckets of the rate limiter (issue 11), shared by every Lambda instance: one item per
 * bucket under `pk` alone — `ROUTE#<tenant>#<operationId>` for a tenant's calls of a rate-limited
 * route, `CONTRACT#<tenant>#<service>#<endpoint>` for an endpoint whose contract declares a
 * `rateLimit` (`<tenant>` and the endpoint percent-encoded) — holding `tat` (the bucket's
 * theoretical arrival time, whole microseconds since the epoch: GCRA) and `expiresAt` (epoch
 * seconds, the TTL: a minute after the bucket would be full again, when deleting it changes
 * nothing). The outbound budgets (per-tenant calls in flight) live here too, one item per tenant
 * and scope under `pk = INFLIGHT#<scope>#<tenant>` (`mesh` or `webhook`): `leases` (a map of lease
 * id → expiry, epoch ms) and `expiresAt` (past every lease it holds: `leaseItemExpiresAtSeconds`).
 *
 * A table of its own rather than a partition of another: every limited request writes here, so a
 * bucket is its own partition key (one hot tenant never throttles another's bucket, nor the mesh
 * registry or the contracts), idle buckets expire by TTL instead of piling up beside data that is
 * kept, and the table's capacity can be watched and alarmed on its own.
 */
export const rateLimitsTable: TableDefinition = {
  id: 'RateLimits',
  envVar: 'RATE_LIMITS_TABLE',
  partitionKey: { name: 'pk', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiresAt',
};

/** Every table the application uses. */
export const tableDefinitions: readonly TableDefinition[] = [
  contractsTable,
  errorsTable,
  eventsTable,
  deliveryTable,
  meshTable,
  auditTable,
  rateLimitsTable,
];

/**
 * The CreateTable request for a definition (on-demand billing), as the local runner and the
 * integration tests issue it against dynalite.
 *
 * @example toCreateTableInput(contractsTable, 'aif-contracts-test')
 */
export function toCreateTableInput(definition: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributeDefinitions = new Map<string, KeyAttribute>();
  for (const key of keys) if (key) attributeDefinitions.set(key.name, key);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributeDefinitions.values()].map((k) => ({
      AttributeName: k.name,
      AttributeType: k.type,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(definition.globalSecondaryIndexes.length > 0 && {
      GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
        ],
        Projection: { ProjectionType: 'ALL' as const },
      })),
    }),
  };
}
