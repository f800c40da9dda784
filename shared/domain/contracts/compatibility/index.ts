export { ComparisonBudget, MAX_COMPARISONS } from './budget.js';
export { checkAgainstHistory, checkCompatibility } from './check.js';
export type { CompatibilityDirection, CompatibilityIssue, CompatibilityReport, SubschemaContext } from './report.js';
export { isSubschema } from './subschema.js';
