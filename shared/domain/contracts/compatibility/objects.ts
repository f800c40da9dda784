import type { JsonSchema } from '../contract';
import { requiredOf } from './admitted';
import { issueOn } from './issues';
import { childField, escapePointerSegment, isJsonObject, type JsonObject } from './json';
import type { RawIssue, SchemaNode } from './model';
import { type ConjunctScope, checkKeywordGroup } from './scope';

/**
 * `required` of the target: every name it requires must be required by sub. Which rule applies depends on
 * the direction: a new requirement (`required-field-added`), or — when the target is the previous version —
 * a field the new version made optional or removed (for responses `response-field-optional` /
 * `response-field-removed`, since clients relied on it being sent).
 */
export function checkRequired(scope: ConjunctScope): RawIssue[] {
  if (scope.keywords.required === undefined) return [];
  return checkKeywordGroup(scope, ['required'], () => {
    const subRequired = new Set(scope.subConjuncts.flatMap((c) => requiredOf(c.schema as JsonObject)));
    return requiredOf(scope.keywords).flatMap((name, index) => {
      if (subRequired.has(name)) return [];
      scope.reportedRequired.add(name);
      return [missingRequirementIssue(scope, name, index)];
    });
  });
}

function missingRequirementIssue(scope: ConjunctScope, name: string, index: number): RawIssue {
  const { context, target, keywords } = scope;
  const declaredIn = scope.subConjuncts.find((c) => {
    const properties = (c.schema as JsonObject).properties;
    return isJsonObject(properties) && Object.hasOwn(properties, name);
  });
  const field = childField(scope.where, name);
  if (context.newSide === 'sup') {
    return issueOn(
      context,
      'required-field-added',
      'sup',
      `${target.pointer}/required/${index}`,
      `field '${field}' is required by the new version but ${declaredIn ? 'optional' : 'not declared'} in the previous version`,
    );
  }
  const response = context.traffic === 'response';
  if (declaredIn) {
    return issueOn(
      context,
      response ? 'response-field-optional' : 'required-field-removed',
      'sub',
      `${declaredIn.pointer}/properties/${escapePointerSegment(name)}`,
      `field '${field}' is required by the previous version but optional in the new version`,
    );
  }
  const supProperties = isJsonObject(keywords.properties) ? keywords.properties : {};
  const oldPointer = Object.hasOwn(supProperties, name)
    ? `${target.pointer}/properties/${escapePointerSegment(name)}`
    : `${target.pointer}/required/${index}`;
  return issueOn(
    context,
    response ? 'response-field-removed' : 'required-field-removed',
    'sup',
    oldPointer,
    `field '${field}' is required by the previous version but was removed in the new version`,
  );
}

/** `propertyNames` of the target: sub's property-name schemas (or any string) must be a subschema of it. */
export function checkPropertyNames(scope: ConjunctScope): RawIssue[] {
  const { keywords, target } = scope;
  if (keywords.propertyNames === undefined) return [];
  return checkKeywordGroup(scope, ['propertyNames'], () => {
    const own = scope.subConjuncts
      .filter((c) => (c.schema as JsonObject).propertyNames !== undefined)
      .map((c) => ({
        schema: (c.schema as JsonObject).propertyNames as JsonSchema,
        pointer: `${c.pointer}/propertyNames`,
      }));
    const names: SchemaNode[] =
      own.length > 0 ? own : [{ schema: { type: 'string' }, pointer: scope.subAnchors[0]?.pointer ?? '' }];
    return scope.compare(
      names,
      [{ schema: keywords.propertyNames as JsonSchema, pointer: `${target.pointer}/propertyNames` }],
      scope.context,
      childField(scope.where, '{propertyNames}'),
      scope.depth + 1,
    );
  });
}
