export { ComparisonBudget, MAX_COMPARISONS } from './budget';
export { checkAgainstHistory, checkCompatibility } from './check';
export type { CompatibilityDirection, CompatibilityIssue, CompatibilityReport, SubschemaContext } from './report';
export { isSubschema } from './subschema';
