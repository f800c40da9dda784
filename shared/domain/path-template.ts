/** A compiled path template such as `/agents/{id}/runs/{runId}` or `/files/{name}.json`. */
export type PathTemplate = {
  template: string;
  parameterNames: string[];
  regex: RegExp;
  /** Number of literal characters; the most literal template wins when several match. */
  literalLength: number;
};

/**
 * Compiles an OpenAPI-style path template (OpenAPI 3.1 §4.8.8 "Path Templating"): each `{name}`
 * matches one non-empty path segment part (no `/`); everything else is literal.
 *
 * @example compilePathTemplate('/pets/{petId}').regex.test('/pets/42') // true
 */
export function compilePathTemplate(template: string): PathTemplate {
  const parameterNames: string[] = [];
  let source = '';
  let literalLength = 0;
  for (const part of template.split(/(\{[^}/]+\})/)) {
    const param = /^\{([^}/]+)\}$/.exec(part);
    if (param) {
      const name = param[1] as string;
      // API Gateway's greedy `{name+}` takes the rest of the path, slashes included.
      const greedy = name.endsWith('+');
      parameterNames.push(greedy ? name.slice(0, -1) : name);
      source += greedy ? '(.+)' : '([^/]+)';
    } else {
      source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      literalLength += part.length;
    }
  }
  return { template, parameterNames, regex: new RegExp(`^${trimTrailingSlash(source)}/?$`), literalLength };
}

/**
 * Matches a concrete path against templates and returns the most specific match (most literal
 * characters, so `/pets/mine` beats `/pets/{petId}`), with percent-decoded parameter values.
 *
 * @returns the index into `templates` and the parameters, or undefined when none matches
 * @example matchPath([compilePathTemplate('/pets/{id}')], '/pets/a%20b') // { index: 0, parameters: { id: 'a b' } }
 */
export function matchPath(
  templates: ReadonlyArray<PathTemplate>,
  path: string,
): { index: number; parameters: Record<string, string> } | undefined {
  let best: { index: number; parameters: Record<string, string>; literalLength: number } | undefined;
  templates.forEach((candidate, index) => {
    const match = candidate.regex.exec(path);
    if (!match || (best && best.literalLength >= candidate.literalLength)) return;
    const parameters: Record<string, string> = {};
    candidate.parameterNames.forEach((name, i) => {
      parameters[name] = safeDecode(match[i + 1] as string);
    });
    best = { index, parameters, literalLength: candidate.literalLength };
  });
  return best && { index: best.index, parameters: best.parameters };
}

function trimTrailingSlash(source: string): string {
  return source.length > 1 && source.endsWith('/') ? source.slice(0, -1) : source;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
