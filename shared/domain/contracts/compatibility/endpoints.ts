import { type ContractDocument, type EndpointSpec, type ParameterSpec, pathTemplateParameters } from '../contract';
import { matchDeclared } from '../media/media-types';
import type { ComparisonBudget } from './budget';
import { dedupe, versionName } from './issues';
import { escapePointerSegment } from './json';
import { isTrivial } from './keywords';
import {
  type CheckContext,
  type DocumentName,
  newCheckContext,
  type RawIssue,
  type SchemaNode,
  type Side,
} from './model';
import { checkProtobufMessages } from './protobuf';
import { compareSchemas } from './subschema';

/** An endpoint with the document it belongs to and its index there. */
export type LocatedEndpoint = { doc: ContractDocument; endpoint: EndpointSpec; index: number };

/** An issue with the endpoint part it was found in (`GET /pets request body`, …). */
export type LabeledIssue = RawIssue & { label: string };

/**
 * One endpoint pair, seen from the request side: `sub` is the endpoint whose requests must all be accepted
 * by `sup`; `newSide` tells which of them is the new version.
 */
type EndpointPair = {
  sub: LocatedEndpoint;
  sup: LocatedEndpoint;
  newSide: Side;
  /** `METHOD /path` of the new version's endpoint. */
  name: string;
  requests: CheckContext;
  budget: ComparisonBudget;
};

const schemaNode = (loc: LocatedEndpoint, schemaName: string): SchemaNode => ({
  schema: loc.doc.schemas[schemaName] ?? true,
  pointer: `/schemas/${escapePointerSegment(schemaName)}`,
});

const documentFor = (pair: EndpointPair, side: Side): DocumentName => (side === pair.newSide ? 'next' : 'previous');
const endpointPointer = (pair: EndpointPair, side: Side): string =>
  `/endpoints/${side === 'sub' ? pair.sub.index : pair.sup.index}`;
const ruleFor = (pair: EndpointPair, whenNewIsSup: string, whenNewIsSub: string): string =>
  pair.newSide === 'sup' ? whenNewIsSup : whenNewIsSub;
const labeled = (label: string, issues: RawIssue[]): LabeledIssue[] =>
  dedupe(issues).map((issue) => ({ ...issue, label }));

/**
 * One direction of the check between two versions of an endpoint: requests sub ⊆ sup (body and every
 * parameter), responses sup ⊆ sub (what the server of one side sends, the client of the other must read).
 */
export function checkEndpointPair(
  requestSub: LocatedEndpoint,
  requestSup: LocatedEndpoint,
  newSide: Side,
  budget: ComparisonBudget,
): LabeledIssue[] {
  const newEndpoint = (newSide === 'sup' ? requestSup : requestSub).endpoint;
  const pair: EndpointPair = {
    sub: requestSub,
    sup: requestSup,
    newSide,
    name: `${newEndpoint.method} ${newEndpoint.path}`,
    requests: newCheckContext(requestSub.doc.schemas, requestSup.doc.schemas, newSide, 'request', budget),
    budget,
  };
  return [
    ...checkRequestBody(pair),
    ...checkRequestMediaTypes(pair),
    ...checkPathParameters(pair),
    ...checkNamedParameters(pair, 'query'),
    ...checkNamedParameters(pair, 'headers'),
    ...checkResponses(pair),
    ...checkResponseMediaTypes(pair),
    ...checkProtobuf(pair),
  ];
}

/** The Protobuf messages of the endpoint's bodies, previous against new (`checkProtobufMessages`). */
function checkProtobuf(pair: EndpointPair): LabeledIssue[] {
  const [previous, next] = pair.newSide === 'sup' ? [pair.sub, pair.sup] : [pair.sup, pair.sub];
  const located = (loc: LocatedEndpoint) => ({
    endpoint: loc.endpoint,
    index: loc.index,
    hasSource: loc.doc.protobuf !== undefined,
  });
  return checkProtobufMessages(located(previous), located(next), pair.name);
}

/** A body sub sends must be accepted; a body sup requires must be sent. */
function checkRequestBody(pair: EndpointPair): LabeledIssue[] {
  const { newSide } = pair;
  const a = pair.sub.endpoint;
  const b = pair.sup.endpoint;
  const label = `${pair.name} request body`;
  if (a.requestSchema === undefined && b.requestSchema !== undefined && b.requestBodyRequired) {
    const supPointer = endpointPointer(pair, 'sup');
    return [
      {
        rule: ruleFor(pair, 'request-body-required', 'request-body-removed'),
        pointer: newSide === 'sup' ? `${supPointer}/requestBodyRequired` : `${supPointer}/requestSchema`,
        document: documentFor(pair, 'sup'),
        detail: `${versionName(pair, 'sup')} requires a request body, ${versionName(pair, 'sub')} declares none`,
        label,
      },
    ];
  }
  if (a.requestSchema !== undefined && b.requestSchema === undefined) {
    return [
      {
        rule: ruleFor(pair, 'request-body-removed', 'request-body-added'),
        pointer: `${endpointPointer(pair, 'sub')}/requestSchema`,
        document: documentFor(pair, 'sub'),
        detail: `${versionName(pair, 'sub')} sends a request body (${a.requestSchema}), ${versionName(pair, 'sup')} declares none`,
        label,
      },
    ];
  }
  if (a.requestSchema === undefined || b.requestSchema === undefined) return [];
  const out: LabeledIssue[] = [];
  if (!a.requestBodyRequired && b.requestBodyRequired) {
    out.push({
      rule: ruleFor(pair, 'request-body-required', 'request-body-made-optional'),
      pointer: `${endpointPointer(pair, newSide === 'sup' ? 'sup' : 'sub')}/requestBodyRequired`,
      document: 'next',
      detail: `the request body is optional in ${versionName(pair, 'sub')} but required in ${versionName(pair, 'sup')}`,
      label,
    });
  }
  const body = compareSchemas(
    [schemaNode(pair.sub, a.requestSchema)],
    [schemaNode(pair.sup, b.requestSchema)],
    pair.requests,
    '',
    0,
  );
  out.push(...labeled(label, body));
  return out;
}

/** The request media types of an endpoint, JSON → `requestSchema` when it declares none. */
const requestMedia = (e: EndpointSpec): Record<string, string> =>
  e.requestMediaTypes ?? (e.requestSchema === undefined ? {} : { 'application/json': e.requestSchema });

/**
 * Every media type sub sends must be one sup declares (exactly or by a range), and its body must be
 * accepted by sup's schema for it. Checked only when one side declares `requestMediaTypes` (contracts
 * without them are JSON on both sides, which `checkRequestBody` covers); pairs of the same schema
 * names as the request schemas are not compared twice.
 */
function checkRequestMediaTypes(pair: EndpointPair): LabeledIssue[] {
  const a = pair.sub.endpoint;
  const b = pair.sup.endpoint;
  if ((!a.requestMediaTypes && !b.requestMediaTypes) || b.requestSchema === undefined) return [];
  const subMedia = requestMedia(a);
  const supMedia = requestMedia(b);
  const out: LabeledIssue[] = [];
  for (const [type, subName] of Object.entries(subMedia)) {
    const label = `${pair.name} request body (${type})`;
    const supType = matchDeclared(type, Object.keys(supMedia));
    if (supType === undefined) {
      out.push({
        rule: ruleFor(pair, 'request-media-type-removed', 'request-media-type-added'),
        pointer: `${endpointPointer(pair, 'sub')}/requestMediaTypes/${escapePointerSegment(type)}`,
        document: documentFor(pair, 'sub'),
        detail: `${versionName(pair, 'sub')} sends ${type} bodies, ${versionName(pair, 'sup')} declares only ${Object.keys(supMedia).join(', ')}`,
        label,
      });
      continue;
    }
    const supName = supMedia[supType] as string;
    if (subName === a.requestSchema && supName === b.requestSchema) continue;
    const body = compareSchemas([schemaNode(pair.sub, subName)], [schemaNode(pair.sup, supName)], pair.requests, '', 0);
    out.push(...labeled(label, body));
  }
  return out;
}

type ParameterKind = 'pathParameters' | 'query' | 'headers';

const parameterLabel = (pair: EndpointPair, kind: ParameterKind, parameter: string): string =>
  `${pair.name} ${kind === 'pathParameters' ? 'path' : kind === 'query' ? 'query' : 'header'} parameter '${parameter}'`;

const parameterNode = (
  loc: LocatedEndpoint,
  kind: ParameterKind,
  parameter: string,
  spec: ParameterSpec | undefined,
): SchemaNode => ({
  schema: spec?.schema ?? true,
  pointer: `/endpoints/${loc.index}/${kind}/${escapePointerSegment(parameter)}${spec?.schema !== undefined ? '/schema' : ''}`,
});

/** Path parameters are matched by position (their names may differ between versions). */
function checkPathParameters(pair: EndpointPair): LabeledIssue[] {
  const a = pair.sub.endpoint;
  const b = pair.sup.endpoint;
  const supNames = pathTemplateParameters(b.path);
  return pathTemplateParameters(a.path).flatMap((subName, i) => {
    const supName = supNames[i];
    if (supName === undefined) return [];
    const subNode = parameterNode(pair.sub, 'pathParameters', subName, a.pathParameters[subName]);
    const supNode = parameterNode(pair.sup, 'pathParameters', supName, b.pathParameters[supName]);
    const label = parameterLabel(pair, 'pathParameters', pair.newSide === 'sup' ? supName : subName);
    return labeled(label, compareSchemas([subNode], [supNode], pair.requests, '', 0));
  });
}

type NamedParameter = { name: string; spec: ParameterSpec };

/** Query and header parameters, matched by name (headers case-insensitively). */
function checkNamedParameters(pair: EndpointPair, kind: 'query' | 'headers'): LabeledIssue[] {
  const normalize = (n: string): string => (kind === 'headers' ? n.toLowerCase() : n);
  const byKey = (endpoint: EndpointSpec): Map<string, NamedParameter> =>
    new Map(Object.entries(endpoint[kind]).map(([name, spec]) => [normalize(name), { name, spec }]));
  const subParameters = byKey(pair.sub.endpoint);
  const supParameters = byKey(pair.sup.endpoint);
  const out: LabeledIssue[] = [];
  for (const [key, supParameter] of supParameters) {
    const subParameter = subParameters.get(key);
    const shownName = pair.newSide === 'sup' ? supParameter.name : (subParameter?.name ?? supParameter.name);
    const label = parameterLabel(pair, kind, shownName);
    if (supParameter.spec.required && !subParameter?.spec.required) {
      out.push({ ...requirementIssue(pair, kind, subParameter, supParameter), label });
    }
    if (subParameter) {
      const subNode = parameterNode(pair.sub, kind, subParameter.name, subParameter.spec);
      const supNode = parameterNode(pair.sup, kind, supParameter.name, supParameter.spec);
      out.push(...labeled(label, compareSchemas([subNode], [supNode], pair.requests, '', 0)));
    }
  }
  for (const [key, subParameter] of subParameters) {
    if (supParameters.has(key)) continue;
    out.push({
      rule: ruleFor(pair, 'parameter-removed', 'parameter-added'),
      pointer: `${endpointPointer(pair, 'sub')}/${kind}/${escapePointerSegment(subParameter.name)}`,
      document: documentFor(pair, 'sub'),
      detail:
        pair.newSide === 'sup'
          ? 'clients of the previous version may send it; the new version no longer declares it'
          : 'clients of the new version may send it; the previous version does not declare it',
      label: parameterLabel(pair, kind, subParameter.name),
    });
  }
  return out;
}

/** sup requires a parameter sub does not (or only optionally) send. */
function requirementIssue(
  pair: EndpointPair,
  kind: 'query' | 'headers',
  subParameter: NamedParameter | undefined,
  supParameter: NamedParameter,
): RawIssue {
  const supPointer = `${endpointPointer(pair, 'sup')}/${kind}/${escapePointerSegment(supParameter.name)}`;
  if (pair.newSide === 'sup') {
    return {
      rule: 'required-parameter-added',
      pointer: `${supPointer}/required`,
      document: 'next',
      detail: `the new version requires it; the previous version ${subParameter ? 'had it optional' : 'did not declare it'}`,
    };
  }
  return {
    rule: subParameter ? 'parameter-made-optional' : 'required-parameter-removed',
    pointer: subParameter
      ? `${endpointPointer(pair, 'sub')}/${kind}/${escapePointerSegment(subParameter.name)}/required`
      : supPointer,
    document: subParameter ? 'next' : 'previous',
    detail: `the previous version requires it; the new version ${subParameter ? 'makes it optional' : 'removed it'}`,
  };
}

/** The response schema name an endpoint declares for `status` (undefined: the 2xx schema); `4XX`/`default` fall back. */
function responseSchemaName(loc: LocatedEndpoint, status: string | undefined): string | undefined {
  const e = loc.endpoint;
  if (status === undefined) return e.responseSchema;
  // checkCompatibility rewrote list-form errorSchemas to records (errorSchemasAsRecords).
  const errorSchemas = e.errorSchemas as Record<string, string>;
  const exact = errorSchemas[status];
  if (exact !== undefined) return exact;
  const statusClass = /^\d\d\d$/.test(status) ? errorSchemas[`${status[0]}XX`] : undefined;
  return statusClass ?? errorSchemas.default;
}

type ResponsePair = { statuses: string[]; subName?: string; supName?: string };

/** Statuses that compare the same pair of schemas, grouped (so one difference is reported once). */
function responsePairs(responseSub: LocatedEndpoint, responseSup: LocatedEndpoint): ResponsePair[] {
  const statuses: Array<string | undefined> = [
    undefined,
    ...new Set([...Object.keys(responseSub.endpoint.errorSchemas), ...Object.keys(responseSup.endpoint.errorSchemas)]),
  ];
  const pairs = new Map<string, ResponsePair>();
  for (const status of statuses) {
    const subName = responseSchemaName(responseSub, status);
    const supName = responseSchemaName(responseSup, status);
    if (supName === undefined) continue;
    const key = `${subName ?? ''}\u0000${supName}\u0000${status === undefined ? '2xx' : 'error'}`;
    const entry = pairs.get(key) ?? { statuses: [], subName, supName };
    entry.statuses.push(status ?? '2xx');
    pairs.set(key, entry);
  }
  return [...pairs.values()];
}

/** Responses: what the sup side (server) sends must be understood by the sub side (client) — roles swap. */
function checkResponses(pair: EndpointPair): LabeledIssue[] {
  const responseSub = pair.sup;
  const responseSup = pair.sub;
  const newSide: Side = pair.newSide === 'sup' ? 'sub' : 'sup';
  const responses = newCheckContext(responseSub.doc.schemas, responseSup.doc.schemas, newSide, 'response', pair.budget);
  const out: LabeledIssue[] = [];
  for (const { statuses, subName, supName } of responsePairs(responseSub, responseSup)) {
    const label = `${pair.name} response ${statuses.join(', ')}`;
    if (subName === undefined) {
      if (isTrivial(responseSup.doc.schemas[supName as string])) continue;
      const is2xx = statuses[0] === '2xx';
      const removed = newSide === 'sub';
      const what = is2xx ? 'response-schema' : 'error-response';
      out.push({
        rule: `${what}-${removed ? 'removed' : 'added'}`,
        pointer: `/endpoints/${responseSup.index}/${is2xx ? 'responseSchema' : `errorSchemas/${escapePointerSegment(statuses[0] as string)}`}`,
        document: newSide === 'sup' ? 'next' : 'previous',
        detail: `${removed ? 'the new version no longer declares' : 'the previous version did not declare'} a schema for it (${versionName({ newSide }, 'sup')} has ${supName})`,
        label,
      });
      continue;
    }
    const found = compareSchemas(
      [schemaNode(responseSub, subName)],
      [schemaNode(responseSup, supName as string)],
      responses,
      '',
      0,
    );
    out.push(...labeled(label, found));
  }
  return out;
}

/** The response media types of an endpoint by status key, `2XX` JSON → `responseSchema` when it declares none. */
const responseMedia = (e: EndpointSpec): Record<string, Record<string, string>> =>
  e.responseMediaTypes ?? (e.responseSchema === undefined ? {} : { '2XX': { 'application/json': e.responseSchema } });

// The server's media types for a status key the client declares: the same key, else its class.
function serverMediaFor(
  server: Record<string, Record<string, string>>,
  key: string,
): Record<string, string> | undefined {
  return server[key] ?? (/^\d\d\d$/.test(key) ? server[`${key[0]}XX`] : undefined) ?? server.default;
}

/**
 * Response media types, roles swapped as in {@link checkResponses}: a client asks (`Accept`) for a
 * media type it reads, so every media type the client's side declares for a status must still be
 * produced by the server's side (exactly or by a range), with a body the client's schema accepts.
 * The server adding media types breaks nobody. Checked only when one side declares
 * `responseMediaTypes`; the JSON pair `checkResponses` compares is not compared twice.
 */
function checkResponseMediaTypes(pair: EndpointPair): LabeledIssue[] {
  const server = pair.sup;
  const client = pair.sub;
  if (!server.endpoint.responseMediaTypes && !client.endpoint.responseMediaTypes) return [];
  const newSide: Side = pair.newSide === 'sup' ? 'sub' : 'sup';
  const responses = newCheckContext(server.doc.schemas, client.doc.schemas, newSide, 'response', pair.budget);
  const serverMedia = responseMedia(server.endpoint);
  const out: LabeledIssue[] = [];
  for (const [key, clientTypes] of Object.entries(responseMedia(client.endpoint))) {
    const serverTypes = serverMediaFor(serverMedia, key) ?? {};
    for (const [type, clientName] of Object.entries(clientTypes)) {
      const label = `${pair.name} response ${key} (${type})`;
      const serverType = matchDeclared(type, Object.keys(serverTypes));
      if (serverType === undefined) {
        // newSide 'sub' here: the new version is the server (a BACKWARD check) and stopped producing it.
        out.push({
          rule: newSide === 'sub' ? 'response-media-type-removed' : 'response-media-type-added',
          pointer: `/endpoints/${client.index}/responseMediaTypes/${escapePointerSegment(key)}/${escapePointerSegment(type)}`,
          document: newSide === 'sup' ? 'next' : 'previous',
          detail: `${type} answers for ${key} are declared by one version but not produced by the other (it has ${Object.keys(serverTypes).join(', ') || 'none'})`,
          label,
        });
        continue;
      }
      const serverName = serverTypes[serverType] as string;
      if (clientName === client.endpoint.responseSchema && serverName === server.endpoint.responseSchema) continue;
      const found = compareSchemas(
        [schemaNode(server, serverName)],
        [schemaNode(client, clientName)],
        responses,
        '',
        0,
      );
      out.push(...labeled(label, found));
    }
  }
  return out;
}
