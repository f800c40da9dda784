/**
 * One request to the local runner with a bearer token: a JSON body when `body` is given, the answer
 * parsed as JSON when its Content-Type says so (else its text): `{ status, headers, body }`.
 *
 * @example const { status, body } = await bearerCall(server.url, token, 'GET', '/v1/services');
 */
export async function bearerCall(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: json };
}
