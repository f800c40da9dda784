import semver from 'semver';
import {
  type CompatibilityMode,
  type ContractDocument,
  type EndpointSpec,
  errorSchemasAsRecords,
  normalizeTemplate,
} from '../contract';
import { ComparisonBudget, withinBudget } from './budget';
import { checkEndpointPair, type LabeledIssue, type LocatedEndpoint } from './endpoints';
import type { RawIssue } from './model';
import type { CompatibilityDirection, CompatibilityIssue, CompatibilityReport } from './report';

const endpointKey = (e: EndpointSpec): string => `${e.method} ${normalizeTemplate(e.path)}`;

/** One issue per (rule, location, detail), carrying every endpoint label it was found under. */
function mergeLabels(issues: LabeledIssue[]): CompatibilityIssue[] {
  const merged = new Map<string, { issue: RawIssue; labels: string[] }>();
  for (const issue of issues) {
    const key = `${issue.rule}\u0000${issue.document}\u0000${issue.pointer}\u0000${issue.detail}`;
    const entry = merged.get(key);
    if (entry) {
      if (!entry.labels.includes(issue.label)) entry.labels.push(issue.label);
    } else merged.set(key, { issue, labels: [issue.label] });
  }
  return [...merged.values()].map(({ issue, labels }) => ({
    rule: issue.rule,
    pointer: issue.pointer,
    document: issue.document,
    message: `${labels.join('; ')}: ${issue.detail}`,
  }));
}

function checkDirection(
  previous: ContractDocument,
  next: ContractDocument,
  direction: 'BACKWARD' | 'FORWARD',
  budget: ComparisonBudget,
): LabeledIssue[] {
  const out: LabeledIssue[] = [];
  // BACKWARD: an endpoint of the previous version missing from the next one breaks its clients;
  // FORWARD: the mirror image, an endpoint only the next version has.
  const [from, to, rule, document, detail] =
    direction === 'BACKWARD'
      ? ([
          previous,
          next,
          'endpoint-removed',
          'previous',
          'endpoint was removed; clients of the previous version still call it',
        ] as const)
      : ([
          next,
          previous,
          'endpoint-added',
          'next',
          'endpoint was added; clients of the new version call it but the previous version lacks it',
        ] as const);
  const present = new Set(to.endpoints.map(endpointKey));
  const nextByKey = new Map(next.endpoints.map((e, i) => [endpointKey(e), i]));
  from.endpoints.forEach((e, i) => {
    if (!present.has(endpointKey(e)))
      out.push({ rule, pointer: `/endpoints/${i}`, document, detail, label: `${e.method} ${e.path}` });
  });
  previous.endpoints.forEach((e, i) => {
    const j = nextByKey.get(endpointKey(e));
    if (j === undefined) return;
    const prev: LocatedEndpoint = { doc: previous, endpoint: e, index: i };
    const nxt: LocatedEndpoint = { doc: next, endpoint: next.endpoints[j] as EndpointSpec, index: j };
    // BACKWARD: old requests ⊆ new requests; FORWARD: new requests ⊆ old requests.
    out.push(
      ...(direction === 'BACKWARD'
        ? checkEndpointPair(prev, nxt, 'sup', budget)
        : checkEndpointPair(nxt, prev, 'sub', budget)),
    );
  });
  return out;
}

/**
 * Checks whether `next` is compatible with `previous` in the given direction.
 *
 * Endpoints are matched by method and path template with parameter names erased (`/a/{id}` = `/a/{key}`);
 * path parameters are compared by position. BACKWARD (clients of `previous` keep working): no endpoint
 * removed; every request valid under `previous` is valid under `next` (body, path/query/header schemas
 * may only widen; no new required parameter or body; no declared parameter removed); every response
 * `next` may send is valid under `previous` (2xx and error schemas may only narrow). FORWARD is the
 * mirror image (endpoint added = break), FULL is both. Schemas are compared with {@link isSubschema};
 * "cannot prove" counts as incompatible but carries the rule `cannot-prove` (or
 * `property-added-to-open-content-model`). Rules follow Confluent Schema Registry's compatibility types.
 *
 * @param previous the earlier version
 * @param next the candidate version
 * @param direction BACKWARD, FORWARD or FULL
 * @param budget comparisons this check may make (a fresh {@link MAX_COMPARISONS} by default); pass one
 *   budget to several checks to bound their total time
 * @returns issues, empty when compatible; an issue found for several endpoints is reported once with all
 *   labels; one `cannot-prove` issue when the budget runs out
 *
 * @example
 * const issues = checkCompatibility(v1, v2, 'BACKWARD');
 * // [{ rule: 'endpoint-removed', pointer: '/endpoints/1', document: 'previous',
 * //    message: 'DELETE /pets/{petId}: endpoint was removed; clients of the previous version still call it' }]
 */
export function checkCompatibility(
  previous: ContractDocument,
  next: ContractDocument,
  direction: CompatibilityDirection,
  budget: ComparisonBudget = new ComparisonBudget(),
): CompatibilityIssue[] {
  const [before, after] = [errorSchemasAsRecords(previous), errorSchemasAsRecords(next)];
  return withinBudget(
    () => {
      const issues: LabeledIssue[] = [];
      if (direction === 'BACKWARD' || direction === 'FULL') {
        issues.push(...checkDirection(before, after, 'BACKWARD', budget));
      }
      if (direction === 'FORWARD' || direction === 'FULL') {
        issues.push(...checkDirection(before, after, 'FORWARD', budget));
      }
      return mergeLabels(issues);
    },
    (detail) => [{ rule: 'cannot-prove', pointer: '/schemas', document: 'next', message: detail }],
  );
}

/**
 * Checks a candidate version against the registered history of a contract under a compatibility mode.
 *
 * Only versions lower than `next.version` by semver precedence (never string order, so 1.10.0 follows
 * 1.9.0) take part. BACKWARD/FORWARD/FULL compare with the highest of them; the `_TRANSITIVE` modes with
 * every one of them (Confluent's transitive semantics); NONE checks nothing. Duplicate versions in
 * `history` are compared once.
 *
 * @param history earlier versions of the contract, in any order (higher versions are ignored)
 * @param next the candidate version
 * @param mode the compatibility mode of the contract
 * @param budget one budget for every comparison; without it each earlier version gets a fresh one
 * @returns the report; `compatible` is false when any issue was found
 *
 * @example
 * checkAgainstHistory([v1_9_0, v1_10_0], v1_11_0, 'BACKWARD');
 * // { mode: 'BACKWARD', compatible: true, checkedAgainst: ['1.10.0'], issues: [] }
 */
export function checkAgainstHistory(
  history: ContractDocument[],
  next: ContractDocument,
  mode: CompatibilityMode,
  budget?: ComparisonBudget,
): CompatibilityReport {
  if (mode === 'NONE') return { mode, compatible: true, checkedAgainst: [], issues: [] };
  const byVersion = new Map<string, ContractDocument>();
  for (const doc of history) {
    if (semver.valid(doc.version) && semver.lt(doc.version, next.version) && !byVersion.has(doc.version)) {
      byVersion.set(doc.version, doc);
    }
  }
  const ordered = [...byVersion.keys()].sort(semver.compare);
  const transitive = mode.endsWith('_TRANSITIVE');
  const against = transitive ? ordered : ordered.slice(-1);
  const direction = mode.replace('_TRANSITIVE', '') as CompatibilityDirection;
  const issues = against.flatMap((version) =>
    checkCompatibility(byVersion.get(version) as ContractDocument, next, direction, budget).map((issue) => ({
      ...issue,
      against: version,
    })),
  );
  return { mode, compatible: issues.length === 0, checkedAgainst: against, issues };
}
