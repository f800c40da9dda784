export { type CacheableContract, CompiledContractCache } from './cache';
export { MAX_SCHEMA_ARRAY_NESTING, MAX_UNIQUE_ITEMS_COMPARED } from './compile-guards';
export { CompiledContract } from './compiled-contract';
export type { ResolvedEndpoint } from './endpoint-index';
export { MAX_REPORTED_ERRORS, MAX_VALUES_FOR_ALL_ERRORS } from './issues';
export { MAX_REF_CHAIN } from './ref-chains';
export type { BodyMedia, RequestSample, ValidationIssue, ValidationOutcome } from './types';
