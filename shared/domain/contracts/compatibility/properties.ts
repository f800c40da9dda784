import { issueAtKeyword, issueOn, ruleFor, versionName } from './issues';
import { childField, escapePointerSegment, fieldPrefix, isJsonObject, type JsonObject, preview } from './json';
import { isTrivial } from './keywords';
import type { RawIssue, SchemaNode } from './model';
import { compilePattern, type PatternMatcher } from './patterns';
import { type ConjunctScope, checkKeywordGroup } from './scope';

type PatternNode = { re: PatternMatcher; node: SchemaNode };

/** The object keywords of both sides, gathered once per target. */
type ObjectShapes = {
  supProperties: JsonObject;
  supAdditional: SchemaNode;
  supPatterns: PatternNode[];
  /** Sub conjuncts with `properties`, `additionalProperties` or `patternProperties`. */
  objectConjuncts: SchemaNode[];
  /** Compiled patternProperties per object conjunct; undefined when one does not compile. */
  subPatterns: Map<SchemaNode, PatternNode[] | undefined>;
  anchor: string;
};

/** Compiles the patternProperties of a schema; undefined when one does not compile. */
function patternsOf(schema: JsonObject, pointer: string): PatternNode[] | undefined {
  if (!isJsonObject(schema.patternProperties)) return [];
  const out: PatternNode[] = [];
  for (const [source, patternSchema] of Object.entries(schema.patternProperties)) {
    const re = compilePattern(source);
    if (!re || (typeof patternSchema !== 'boolean' && !isJsonObject(patternSchema))) return undefined;
    out.push({
      re,
      node: { schema: patternSchema, pointer: `${pointer}/patternProperties/${escapePointerSegment(source)}` },
    });
  }
  return out;
}

const nodeOf = (schema: unknown, pointer: string): SchemaNode | undefined =>
  typeof schema === 'boolean' || isJsonObject(schema) ? { schema, pointer } : undefined;

const propertiesOf = (node: SchemaNode): JsonObject => {
  const properties = (node.schema as JsonObject).properties;
  return isJsonObject(properties) ? properties : {};
};

/**
 * `properties`/`additionalProperties`/`patternProperties` of the target, as one group: every property
 * named on either side is compared on its own (an absent `additionalProperties` is an open content
 * model: Confluent's PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL), then the properties neither side names.
 */
export function checkProperties(scope: ConjunctScope): RawIssue[] {
  const { keywords } = scope;
  if (
    keywords.properties === undefined &&
    keywords.additionalProperties === undefined &&
    keywords.patternProperties === undefined
  ) {
    return [];
  }
  return checkKeywordGroup(scope, ['properties', 'additionalProperties', 'patternProperties'], () =>
    compareProperties(scope),
  );
}

function compareProperties(scope: ConjunctScope): RawIssue[] {
  const { context, keywords, target, where } = scope;
  const supPatterns = patternsOf(keywords, target.pointer);
  if (!supPatterns) {
    return [
      issueAtKeyword(
        context,
        scope.subAnchors,
        target,
        'patternProperties',
        'cannot-prove',
        `${fieldPrefix(where)}patternProperties of ${versionName(context, 'sup')} cannot be compiled`,
      ),
    ];
  }
  const objectConjuncts = scope.subConjuncts.filter((c) => {
    const schema = c.schema as JsonObject;
    return (
      schema.properties !== undefined ||
      schema.additionalProperties !== undefined ||
      schema.patternProperties !== undefined
    );
  });
  const shapes: ObjectShapes = {
    supProperties: isJsonObject(keywords.properties) ? keywords.properties : {},
    supAdditional: {
      schema: (keywords.additionalProperties ?? true) as SchemaNode['schema'],
      pointer: `${target.pointer}/additionalProperties`,
    },
    supPatterns,
    objectConjuncts,
    subPatterns: new Map(objectConjuncts.map((c) => [c, patternsOf(c.schema as JsonObject, c.pointer)])),
    anchor: objectConjuncts[0]?.pointer ?? scope.subAnchors[0]?.pointer ?? '',
  };
  const names = new Set([
    ...Object.keys(shapes.supProperties),
    ...objectConjuncts.flatMap((c) => Object.keys(propertiesOf(c))),
  ]);
  const issues = [...names].flatMap((name) => compareNamedProperty(scope, shapes, name));
  issues.push(...compareUnnamedProperties(scope, shapes));
  return issues;
}

/** The sub schemas a property `name` must satisfy, and the first sub conjunct that declares it. */
function subPropertySchemas(
  shapes: ObjectShapes,
  name: string,
): { declaredIn: SchemaNode | undefined; schemas: SchemaNode[] } {
  let declaredIn: SchemaNode | undefined;
  const schemas: SchemaNode[] = [];
  for (const c of shapes.objectConjuncts) {
    const properties = propertiesOf(c);
    const patterns = shapes.subPatterns.get(c);
    if (Object.hasOwn(properties, name)) {
      declaredIn ??= c;
      const node = nodeOf(properties[name], `${c.pointer}/properties/${escapePointerSegment(name)}`);
      if (node) schemas.push(node);
      schemas.push(...(patterns ?? []).filter((p) => p.re.test(name)).map((p) => p.node));
      continue;
    }
    if (patterns === undefined) continue; // uncompilable: over-approximate as "anything"
    const hits = patterns.filter((p) => p.re.test(name)).map((p) => p.node);
    if (hits.length > 0) schemas.push(...hits);
    else {
      const node = nodeOf((c.schema as JsonObject).additionalProperties ?? true, `${c.pointer}/additionalProperties`);
      if (node) schemas.push(node);
    }
  }
  return { declaredIn, schemas };
}

/** Compares the schemas both sides give property `name` (declared, matched by a pattern, or additional). */
function compareNamedProperty(scope: ConjunctScope, shapes: ObjectShapes, name: string): RawIssue[] {
  const { context, target, keywords } = scope;
  const field = childField(scope.where, name);
  const matching = shapes.supPatterns.filter((p) => p.re.test(name)).map((p) => p.node);
  const inSup = Object.hasOwn(shapes.supProperties, name);
  const supNodes = (
    inSup
      ? [nodeOf(shapes.supProperties[name], `${target.pointer}/properties/${escapePointerSegment(name)}`), ...matching]
      : matching.length > 0
        ? matching
        : [shapes.supAdditional]
  ).filter((n): n is SchemaNode => n !== undefined && !isTrivial(n.schema));
  if (supNodes.length === 0) return [];
  const { declaredIn, schemas } = subPropertySchemas(shapes, name);
  if (!declaredIn && schemas.every((n) => isTrivial(n.schema)) && inSup) {
    return scope.reportedRequired.has(name) ? [] : [openContentModelIssue(scope, shapes, name, field)];
  }
  const subForbids = schemas.some((n) => n.schema === false);
  if (!inSup && matching.length === 0 && keywords.additionalProperties === false && declaredIn && !subForbids) {
    return [closedSchemaIssue(scope, declaredIn, name, field)];
  }
  const subs = schemas.length > 0 ? schemas : [{ schema: true, pointer: shapes.anchor } as SchemaNode];
  return supNodes.flatMap((sup) => scope.compare(subs, [sup], context, field, scope.depth + 1));
}

/** The target declares `name`; sub leaves it to an open content model, so it may hold anything. */
function openContentModelIssue(scope: ConjunctScope, shapes: ObjectShapes, name: string, field: string): RawIssue {
  const { context, target } = scope;
  const pointer = `${target.pointer}/properties/${escapePointerSegment(name)}`;
  if (context.newSide === 'sup') {
    return issueOn(
      context,
      'property-added-to-open-content-model',
      'sup',
      pointer,
      `property '${field}' added to an object that allows additional properties: old data may carry '${name}' with any value; cannot prove compatible — close the old schema with additionalProperties:false or make '${name}' accept anything`,
    );
  }
  return issueOn(
    context,
    context.traffic === 'response' ? 'response-field-removed' : 'property-removed-from-open-content-model',
    'sup',
    pointer,
    `property '${field}' was removed from an object that allows additional properties: the new version may carry '${name}' with any value, the previous version expects ${preview(shapes.supProperties[name])}`,
  );
}

/** Sub declares `name`; the target is closed (`additionalProperties: false`) and does not. */
function closedSchemaIssue(scope: ConjunctScope, declaredIn: SchemaNode, name: string, field: string): RawIssue {
  const { context } = scope;
  const pointer = `${declaredIn.pointer}/properties/${escapePointerSegment(name)}`;
  if (context.newSide === 'sup') {
    return issueOn(
      context,
      'property-removed',
      'sub',
      pointer,
      `field '${field}' is accepted by the previous version but rejected by the new version (additionalProperties: false)`,
    );
  }
  return issueOn(
    context,
    'property-added-to-closed-schema',
    'sub',
    pointer,
    `field '${field}' is allowed by the new version but the previous version does not allow additional properties`,
  );
}

/** Properties named on neither side: sub's additional/pattern schemas against the target's. */
function compareUnnamedProperties(scope: ConjunctScope, shapes: ObjectShapes): RawIssue[] {
  const { context, keywords, where, depth } = scope;
  const supRest = [shapes.supAdditional, ...shapes.supPatterns.map((p) => p.node)].filter((n) => !isTrivial(n.schema));
  if (supRest.length === 0) return [];
  const subRest: SchemaNode[] = [];
  // Sub conjuncts with patternProperties are handled by cases below (uncompilable ones count as "anything").
  const patterned: Array<{ conjunct: SchemaNode; patterns: PatternNode[] }> = [];
  for (const c of shapes.objectConjuncts) {
    const schema = c.schema as JsonObject;
    const patterns = shapes.subPatterns.get(c);
    if (schema.patternProperties !== undefined) {
      if (patterns && patterns.length > 0) patterned.push({ conjunct: c, patterns });
      if (patterns?.length !== 0) continue;
    }
    const node = nodeOf(schema.additionalProperties ?? true, `${c.pointer}/additionalProperties`);
    if (node && !isTrivial(node.schema)) subRest.push(node);
  }
  if (patterned.length === 0 && subRest.length === 0 && keywords.additionalProperties === false) {
    return [
      issueAtKeyword(
        context,
        scope.subAnchors,
        scope.target,
        'additionalProperties',
        ruleFor(context, 'additional-properties-closed', 'additional-properties-opened'),
        `${fieldPrefix(where)}${versionName(context, 'sub')} allows additional properties, ${versionName(context, 'sup')} does not (additionalProperties: false)`,
      ),
    ];
  }
  const withFixed = (extra: SchemaNode[]): SchemaNode[] => {
    const list = [...extra, ...subRest].filter((n) => !isTrivial(n.schema));
    return list.length > 0 ? list : [{ schema: true, pointer: shapes.anchor }];
  };
  const restWhere = childField(where, '*');
  const compare = (subs: SchemaNode[], sup: SchemaNode): RawIssue[] =>
    scope.compare(withFixed(subs), [sup], context, restWhere, depth + 1);
  if (patterned.length === 0) return supRest.flatMap((sup) => compare([], sup));
  return comparePatternedRest(shapes, patterned, supRest, compare);
}

/** Unnamed properties when some sub conjuncts have patternProperties. */
function comparePatternedRest(
  shapes: ObjectShapes,
  patterned: Array<{ conjunct: SchemaNode; patterns: PatternNode[] }>,
  supRest: SchemaNode[],
  compare: (subs: SchemaNode[], sup: SchemaNode) => RawIssue[],
): RawIssue[] {
  const { supPatterns, supAdditional } = shapes;
  const additionalOf = (c: SchemaNode): SchemaNode =>
    nodeOf((c.schema as JsonObject).additionalProperties ?? true, `${c.pointer}/additionalProperties`) as SchemaNode;
  const sameKeys = patterned.every(
    ({ patterns }) =>
      supPatterns.length === patterns.length &&
      supPatterns.every((p) => patterns.some((q) => q.re.source === p.re.source)),
  );
  if (sameKeys) {
    // Same pattern set everywhere: a name matches the same patterns on both sides, or none on both.
    const issues: RawIssue[] = [];
    for (const p of supPatterns) {
      const mine = patterned.map(
        ({ patterns }) => (patterns.find((q) => q.re.source === p.re.source) as PatternNode).node,
      );
      if (!isTrivial(p.node.schema)) issues.push(...compare(mine, p.node));
    }
    if (!isTrivial(supAdditional.schema)) {
      issues.push(
        ...compare(
          patterned.map(({ conjunct }) => additionalOf(conjunct)),
          supAdditional,
        ),
      );
    }
    return issues;
  }
  // Otherwise a name may fall under any one of the first such conjunct's patterns or its additionalProperties.
  const [first] = patterned as [(typeof patterned)[number]];
  return [additionalOf(first.conjunct), ...first.patterns.map((p) => p.node)].flatMap((option) =>
    supRest.flatMap((sup) => compare([option], sup)),
  );
}
