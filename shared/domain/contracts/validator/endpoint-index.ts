import { compilePathTemplate, matchPath, type PathTemplate } from '../../path-template';
import type { EndpointSpec } from '../contract';
import { EndpointNotFoundError } from '../errors';

/** The endpoint a request was resolved to, with the parameters its path template captured. */
export type ResolvedEndpoint = { index: number; endpoint: EndpointSpec; pathParameters: Record<string, string> };

/**
 * A contract's endpoints indexed for lookup by method and concrete path. The path templates are
 * compiled once and grouped per method, so resolving a request allocates nothing per call.
 */
export class EndpointIndex {
  /** Each endpoint's compiled path template, by endpoint index. */
  readonly templates: readonly PathTemplate[];
  private readonly byMethod = new Map<string, { indexes: number[]; templates: PathTemplate[] }>();

  constructor(private readonly endpoints: readonly EndpointSpec[]) {
    this.templates = endpoints.map((e) => compilePathTemplate(e.path));
    endpoints.forEach((endpoint, index) => {
      let entry = this.byMethod.get(endpoint.method);
      if (!entry) {
        entry = { indexes: [], templates: [] };
        this.byMethod.set(endpoint.method, entry);
      }
      entry.indexes.push(index);
      entry.templates.push(this.templates[index] as PathTemplate);
    });
  }

  /**
   * Finds the endpoint for a method (any case) and a concrete path (`/pets/42` matches `/pets/{petId}`).
   *
   * @throws {EndpointNotFoundError} naming every known endpoint when nothing matches
   */
  resolve(method: string, path: string): ResolvedEndpoint {
    const upper = method.toUpperCase();
    const candidates = this.byMethod.get(upper);
    const match = candidates && matchPath(candidates.templates, path);
    if (!candidates || !match) {
      const known = this.endpoints.map((e) => `${e.method} ${e.path}`);
      throw new EndpointNotFoundError(
        `No endpoint ${upper} ${path}; known endpoints: ${known.length > 0 ? known.join(', ') : 'none'}`,
        known.map((endpoint, i) => ({ pointer: `/endpoints/${i}`, message: endpoint })),
      );
    }
    const index = candidates.indexes[match.index] as number;
    return { index, endpoint: this.endpoints[index] as EndpointSpec, pathParameters: match.parameters };
  }
}
