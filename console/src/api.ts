/** Where the console keeps the bearer token: this tab only, gone when it closes. */
const TOKEN_KEY = 'aif.console.token';

/** A failed API call: the problem+json answer's title and detail, or the status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The token the console sends as `Authorization: Bearer …`, if one was entered. */
export function storedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps (or, with '', forgets) the token for this tab. */
export function storeToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Calls the API on the console's own origin: `base` is the stage's path (`''` locally, `/prod`
 * behind API Gateway), read from the page's `aif-api-base` meta tag.
 *
 * @param path - from `/v1/…`, query included
 * @throws {ApiError} for any answer that is not 2xx, with the problem's title and detail
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const base = document.querySelector<HTMLMetaElement>('meta[name="aif-api-base"]')?.content ?? '';
  const token = storedToken();
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      accept: 'application/json',
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(token !== '' && { authorization: `Bearer ${token}` }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok) {
    const title = typeof body?.title === 'string' ? body.title : response.statusText;
    const detail = typeof body?.detail === 'string' ? `: ${body.detail}` : '';
    throw new ApiError(response.status, `${response.status} ${title}${detail}`);
  }
  return body as T;
}

/** Reads every page of a paginated listing (`items`, `nextCursor`), at most `maxPages` pages. */
export async function listAll<T>(path: string, maxPages = 20): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const separator = path.includes('?') ? '&' : '?';
    const next = await api<{ items: T[]; nextCursor?: string }>(
      `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...next.items);
    cursor = next.nextCursor;
    if (!cursor) break;
  }
  return items;
}
