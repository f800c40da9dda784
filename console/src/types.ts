/**
 * The API's answer shapes the console reads, inferred from the route table's schemas
 * (`functions/api-schemas`): type-only imports, so nothing of zod reaches the browser bundle.
 */
import type * as z from 'zod';
import type {
  BreakerListResponse,
  ContractListResponse,
  DeadLetterListResponse,
  EventLogResponse,
  RedriveResponse,
  RoutingRuleListResponse,
  ServiceInstanceListResponse,
  TopologyResponse,
  VersionComparisonResponse,
  VersionListResponse,
} from '../../functions/api-schemas';

export type Topology = z.output<typeof TopologyResponse>;
export type InstanceList = z.output<typeof ServiceInstanceListResponse>;
export type Instance = InstanceList['items'][number];
export type BreakerList = z.output<typeof BreakerListResponse>;
export type Breaker = BreakerList['items'][number];
export type RoutingRuleList = z.output<typeof RoutingRuleListResponse>;
export type DeadLetterList = z.output<typeof DeadLetterListResponse>;
export type Redrive = z.output<typeof RedriveResponse>;
export type ContractList = z.output<typeof ContractListResponse>;
export type VersionList = z.output<typeof VersionListResponse>;
export type VersionComparison = z.output<typeof VersionComparisonResponse>;
export type EventLogPage = z.output<typeof EventLogResponse>;
