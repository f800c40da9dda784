import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../../local/server';

const TWILIO = fileURLToPath(new URL('../fixtures/twilio/twilio-api-v2010.openapi-3.0.json', import.meta.url));
const CREATE_MESSAGE = '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json';

/** An answer with its JSON body. */
// biome-ignore lint/suspicious/noExplicitAny: answers of several routes are read field by field
type Answer = { status: number; body: any };

describe('local runner: contract media types over HTTP', () => {
  let server: LocalServer;
  const call = async (method: string, path: string, body: string): Promise<Answer> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    server = await startLocalServer({ port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('registers the Twilio REST API document and validates a real create-message form request', async () => {
    // Prepare
    const registered = await call('POST', '/v1/contracts?name=twilio-api', readFileSync(TWILIO, 'utf8'));
    expect(registered.status, JSON.stringify(registered.body).slice(0, 500)).toBe(201);
    const validate = (body: string) =>
      call(
        'POST',
        '/v1/contracts/twilio-api/validate',
        JSON.stringify({
          method: 'POST',
          path: CREATE_MESSAGE,
          request: { contentType: 'application/x-www-form-urlencoded', body },
        }),
      );

    // Act
    const valid = await validate('To=%2B15558675310&From=%2B15017122661&Body=Hi');
    const missingTo = await validate('From=%2B15017122661&Body=Hi');
    const asJson = await call(
      'POST',
      '/v1/contracts/twilio-api/validate',
      JSON.stringify({ method: 'POST', path: CREATE_MESSAGE, request: { contentType: 'application/json', body: {} } }),
    );

    // Assess
    expect(valid).toEqual({
      status: 200,
      body: {
        valid: true,
        errors: [],
        version: registered.body.contract.version,
        endpoint: 'POST /2010-04-01/Accounts/{AccountSid}/Messages.json',
        mediaType: 'application/x-www-form-urlencoded',
      },
    });
    expect(missingTo.body).toMatchObject({
      valid: false,
      errors: [{ instancePath: '/body/To', keyword: 'required' }],
    });
    expect(asJson.status).toBe(422);
    expect(asJson.body.detail).toContain('declared: application/x-www-form-urlencoded');
  });
});
