import type { ContractDocumentInput } from '../contract';
import type { OpenApiDialect } from './dialect';
import { escapeSegment, isObject, type Json, OPERATION_METHODS } from './json';
import { absoluteHttpUrl } from './urls';

export type Authentication = NonNullable<ContractDocumentInput['authentication']>;

/**
 * The contract's `authentication`: the first declared scheme that maps, global requirements first,
 * with the pointer of the scheme it came from (see importOpenApiDocument).
 */
export function importAuthentication(
  doc: Json,
  dialect: OpenApiDialect,
  baseUrl: string | undefined,
): { spec: Authentication; pointer: string } | undefined {
  const declaredPointer = dialect.securitySchemesPointer;
  const declared = dialect.securitySchemes(doc);
  if (!isObject(declared)) return undefined;

  // Every security requirement of the document: global, then per operation.
  const requirements: Json[] = [];
  const addRequirements = (security: unknown) => {
    if (Array.isArray(security)) for (const r of security) if (isObject(r)) requirements.push(r);
  };
  addRequirements(doc.security);
  const globalCount = requirements.length;
  if (isObject(doc.paths)) {
    for (const item of Object.values(doc.paths)) {
      if (!isObject(item)) continue;
      for (const method of OPERATION_METHODS)
        if (isObject(item[method])) addRequirements((item[method] as Json).security);
    }
  }

  const candidates = [...requirements.slice(0, globalCount).flatMap((r) => Object.keys(r)), ...Object.keys(declared)];
  for (const name of candidates) {
    const scheme = declared[name];
    if (!isObject(scheme)) continue;
    const listed = requirements.filter((r) => Object.hasOwn(r, name));
    const required = [...new Set(listed.flatMap((r) => (Array.isArray(r[name]) ? r[name] : [])))].filter(
      (s): s is string => typeof s === 'string' && s !== '',
    );
    const spec = mapScheme(scheme, required, listed.length > 0, baseUrl);
    if (spec) return { spec, pointer: `${declaredPointer}/${escapeSegment(name)}` };
  }
  return undefined;
}

/** A Security Scheme Object as a contract `authentication`, when it has an equivalent. */
function mapScheme(
  scheme: Json,
  required: string[],
  referenced: boolean,
  baseUrl: string | undefined,
): Authentication | undefined {
  const withScopes = (spec: Authentication, scopes: string[]): Authentication =>
    scopes.length > 0 ? { ...spec, scopes } : spec;
  switch (scheme.type) {
    case 'http':
      return typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer'
        ? withScopes({ type: 'bearer' }, required)
        : undefined;
    case 'apiKey': {
      const location = scheme.in;
      if ((location !== 'header' && location !== 'query' && location !== 'cookie') || typeof scheme.name !== 'string') {
        return undefined;
      }
      return withScopes({ type: 'api_key', keyLocation: location, keyName: scheme.name }, required);
    }
    case 'mutualTLS':
      return withScopes({ type: 'mtls' }, required);
    case 'openIdConnect':
      return withScopes({ type: 'oauth2' }, required);
    case 'oauth2': {
      let flow: Json | undefined;
      if (isObject(scheme.flows)) {
        const flows = scheme.flows;
        flow = [flows.clientCredentials, flows.password, flows.authorizationCode, flows.implicit].find(isObject);
      } else {
        flow = scheme;
      }
      const spec: Authentication = { type: 'oauth2' };
      const tokenUrl = flow && typeof flow.tokenUrl === 'string' ? flow.tokenUrl : undefined;
      if (tokenUrl !== undefined) {
        let resolved: string | undefined;
        try {
          resolved = absoluteHttpUrl(new URL(tokenUrl, baseUrl).href);
        } catch {
          resolved = undefined;
        }
        if (resolved !== undefined) spec.tokenEndpoint = resolved;
      }
      const declaredScopes = flow && isObject(flow.scopes) ? Object.keys(flow.scopes) : [];
      return withScopes(spec, referenced ? required : declaredScopes);
    }
    default:
      return undefined;
  }
}
