import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type AuthorizerHandler,
  authorizeAtGateway,
  isLoopbackHost,
  localMethodArn,
  policyAdmits,
} from '../../../local/gateway-authorizer';
import { toProxyEvent } from '../../../local/proxy-event';
import type { AuthorizerResponse, PolicyStatement } from '../../../shared/domain/auth/authorizer-policy';

const API = 'arn:aws:execute-api:us-east-1:000000000000:local/local';
const policy = (...Statement: PolicyStatement[]): AuthorizerResponse['policyDocument'] => ({
  Version: '2012-10-17',
  Statement,
});
const allow = (...Resource: string[]): PolicyStatement => ({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource });
const deny = (...Resource: string[]): PolicyStatement => ({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource });

const event = (method: string, path: string): APIGatewayProxyEvent =>
  toProxyEvent(
    { method, url: path, headers: { authorization: 'Bearer t' }, body: Buffer.alloc(0), sourceIp: '127.0.0.1' },
    { resource: path, pathParameters: null },
    'local',
  );

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])(
    'counts %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each(['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', 'localhost.example.com', ''])(
    'rejects %s as not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('policyAdmits', () => {
  it('admits a method ARN an Allow matches, where * spans path segments', () => {
    expect(policyAdmits(policy(allow(`${API}/GET/v1/services/*`)), `${API}/GET/v1/services/x/breaker-config`)).toBe(
      true,
    );
  });

  it('lets an explicit Deny win over an Allow', () => {
    const document = policy(allow(`${API}/GET/v1/services/*`), deny(`${API}/GET/v1/services/*/breaker-config`));
    expect(policyAdmits(document, `${API}/GET/v1/services/x/breaker-config`)).toBe(false);
    expect(policyAdmits(document, `${API}/GET/v1/services/x`)).toBe(true);
  });

  it('denies by default: no matching Allow, another method, another stage, an empty policy', () => {
    const document = policy(allow(`${API}/GET/v1/contracts`));
    expect(policyAdmits(document, `${API}/POST/v1/contracts`)).toBe(false);
    expect(policyAdmits(document, `${API.replace('/local', '/prod')}/GET/v1/contracts`)).toBe(false);
    expect(policyAdmits(document, `${API}/GET/v1/contracts/x`)).toBe(false);
    expect(policyAdmits(policy(), `${API}/GET/v1/contracts`)).toBe(false);
    expect(policyAdmits(undefined, `${API}/GET/v1/contracts`)).toBe(false);
  });

  it('reads ? as one character and treats every other character literally', () => {
    expect(policyAdmits(policy(allow(`${API}/GET/v1/a?c`)), `${API}/GET/v1/abc`)).toBe(true);
    expect(policyAdmits(policy(allow(`${API}/GET/v1/a.c`)), `${API}/GET/v1/abc`)).toBe(false);
  });

  it('ignores statements whose Action does not cover execute-api:Invoke', () => {
    const other: PolicyStatement = {
      ...allow(`${API}/*`),
      Action: 'execute-api:ManageConnections' as 'execute-api:Invoke',
    };
    const star: PolicyStatement = { ...allow(`${API}/*`), Action: 'execute-api:*' as 'execute-api:Invoke' };
    expect(policyAdmits(policy(other), `${API}/GET/v1/x`)).toBe(false);
    expect(policyAdmits(policy(star), `${API}/GET/v1/x`)).toBe(true);
  });
});

describe('authorizeAtGateway', () => {
  const answering =
    (answer: unknown): AuthorizerHandler =>
    async () =>
      answer;
  const throwing =
    (error: Error): AuthorizerHandler =>
    async () => {
      throw error;
    };

  it('sends the authorizer a REQUEST event for the called method ARN and passes its context on with principalId', async () => {
    // Prepare
    let seen: Parameters<AuthorizerHandler>[0] | undefined;
    const authorizer: AuthorizerHandler = async (e) => {
      seen = e;
      return { principalId: 'agent-1', policyDocument: policy(allow(`${API}/GET/v1/*`)), context: { tenant: 't1' } };
    };

    // Act
    const outcome = await authorizeAtGateway(authorizer, event('GET', '/v1/contracts'));

    // Assess
    expect(seen).toMatchObject({
      type: 'REQUEST',
      methodArn: localMethodArn('GET', '/v1/contracts'),
      httpMethod: 'GET',
      path: '/v1/contracts',
      headers: { authorization: 'Bearer t' },
    });
    expect(outcome).toEqual({ allowed: true, authorizer: { tenant: 't1', principalId: 'agent-1' } });
  });

  it('answers 401 problem+json with an invalid_token challenge when the authorizer says Unauthorized', async () => {
    const outcome = await authorizeAtGateway(throwing(new Error('Unauthorized')), event('GET', '/v1/contracts'));
    expect(outcome.allowed).toBe(false);
    if (outcome.allowed) return;
    expect(outcome.result.statusCode).toBe(401);
    expect(outcome.result.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'www-authenticate': 'Bearer error="invalid_token"',
    });
    expect(JSON.parse(outcome.result.body)).toMatchObject({ type: 'urn:aif:problem:unauthorized', status: 401 });
  });

  it('answers 403 problem+json when the policy does not admit the called method', async () => {
    const answer = { principalId: 'a', policyDocument: policy(allow(`${API}/GET/v1/health`)), context: {} };
    const outcome = await authorizeAtGateway(answering(answer), event('DELETE', '/v1/contracts/x/versions/1.0.0'));
    expect(outcome.allowed ? 0 : outcome.result.statusCode).toBe(403);
  });

  it.each([
    ['the authorizer fails', throwing(new Error('JWKS unreachable'))],
    ['the answer has no policy', answering({ principalId: 'a' })],
    ['the answer is empty', answering(undefined)],
  ])('fails closed with 500 when %s', async (_name, authorizer) => {
    const outcome = await authorizeAtGateway(authorizer, event('GET', '/v1/contracts'));
    expect(outcome.allowed ? 0 : outcome.result.statusCode).toBe(500);
  });
});
