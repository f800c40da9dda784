import { ApiError, UnreachableError } from './errors';

/** Where and as whom to ask for a token. */
export type ClientCredentials = { tokenUrl: string; clientId: string; clientSecret: string; scope?: string };

/**
 * An access token by the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), as Cognito's token
 * endpoint serves it: `POST {tokenUrl}` with `grant_type=client_credentials` (and `scope` when
 * given) form-encoded, the client authenticated by HTTP Basic (§2.3.1: id and secret
 * form-urlencoded, then base64).
 *
 * @returns the `access_token` of the answer
 * @throws {ApiError} when the token endpoint answers an error (RFC 6749 §5.2 `error` and
 *   `error_description` become the problem's title and detail), or a 2xx without `access_token`
 * @throws {UnreachableError} when the token endpoint cannot be reached
 * @example await fetchClientCredentialsToken({ tokenUrl: 'https://aif-dev.auth.eu-west-1.amazoncognito.com/oauth2/token', clientId, clientSecret })
 */
export async function fetchClientCredentialsToken(
  credentials: ClientCredentials,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<string> {
  const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  const basic = Buffer.from(`${form(credentials.clientId)}:${form(credentials.clientSecret)}`).toString('base64');
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (credentials.scope) body.set('scope', credentials.scope);
  let response: Response;
  try {
    response = await fetchImpl(credentials.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: body.toString(),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new UnreachableError(credentials.tokenUrl, cause?.code ?? String(error));
  }
  const text = await response.text();
  let parsed: { access_token?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // described below
  }
  if (!response.ok || typeof parsed.access_token !== 'string') {
    const status = response.ok ? 502 : response.status;
    throw new ApiError(status, {
      type: 'urn:aif:problem:token-request-failed',
      title: `token endpoint: ${typeof parsed.error === 'string' ? parsed.error : `HTTP ${response.status}`}`,
      status,
      detail:
        typeof parsed.error_description === 'string'
          ? parsed.error_description
          : response.ok
            ? 'the answer has no access_token'
            : text.slice(0, 300),
    });
  }
  return parsed.access_token;
}
