import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnMethod } from 'aws-cdk-lib/aws-apigateway';
import type { CfnManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../functions/routes';
import { composeApp } from '../../../infra/app';
import { readAuthSettings } from '../../../infra/app-context';
import { scopesOf } from '../../../infra/constructs/api-authorization';
import { routeArns } from '../../../shared/domain/auth/authorizer-policy';
import type { ScopedRoute } from '../../../shared/domain/auth/scopes';
import { type CfnResource, methodsOf } from '../../support/api-gateway';

const table: readonly ScopedRoute[] = routes;

/** The app with cdk.json's context, the given auth settings, and no bundling (templates only). */
function synth(context: Record<string, unknown>) {
  const base = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context;
  const composed = composeApp(
    new App({ context: { ...base, stage: 'test', 'aws:cdk:bundling-stacks': [], ...context } }),
  );
  const template = Template.fromStack(composed.api);
  const findings = new AwsSolutionsChecks().validateScope(composed.app).violations;
  return { ...composed, template, findings };
}

const resourcesOf = (template: Template, type: string) => Object.values(template.findResources(type)) as CfnResource[];
const functionsOf = (template: Template, service: string) =>
  resourcesOf(template, 'AWS::Lambda::Function').filter(
    (f) =>
      (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME ===
      service,
  );
const variablesOf = (fn: CfnResource) =>
  (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const publicKeys = new Set(
  table
    .filter((r) => r.public)
    .flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]).map((verb) => `${verb} ${r.path}`)),
);
const JWT = { authMode: 'jwt', authIssuer: 'https://issuer.example', authAudience: 'aif,aif-test' };

describe('ApiAuthorization', () => {
  describe('cognito (the default)', () => {
    const { template, findings } = synth({});

    it('creates a resource server whose scopes are exactly the route table’s', () => {
      const [server] = resourcesOf(template, 'AWS::Cognito::UserPoolResourceServer');
      const scopes = (server!.Properties.Scopes as { ScopeName: string }[]).map((s) => s.ScopeName).sort();

      expect(server!.Properties.Identifier).toBe('aif');
      expect(scopes).toEqual([...new Set(table.filter((r) => !r.public).flatMap((r) => r.scopes))].sort());
      expect(scopes.length).toBeGreaterThan(0);
    });

    it('creates an app client with only the client-credentials grant, a secret and every scope', () => {
      const [client] = resourcesOf(template, 'AWS::Cognito::UserPoolClient');

      expect(client!.Properties).toMatchObject({ GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'] });
      expect(JSON.stringify(client!.Properties.AllowedOAuthScopes)).toContain('/mesh:call');
      expect((client!.Properties.AllowedOAuthScopes as unknown[]).length).toBe(scopesOf(table).length);
    });

    it('verifies the pool’s access tokens with the one authorizer function', () => {
      const [authorizer] = functionsOf(template, 'authorizer');
      const variables = variablesOf(authorizer!);

      expect(functionsOf(template, 'authorizer')).toHaveLength(1);
      expect(JSON.stringify(variables.AUTH_ISSUER)).toContain('https://cognito-idp.');
      expect(JSON.stringify(variables.AUTH_JWKS_URL)).toContain('/.well-known/jwks.json');
      expect(variables.AUTH_COGNITO_CLIENT_IDS).toEqual({ Ref: expect.stringMatching(/AgentClient/) });
      expect(variables).toMatchObject({ AUTH_SCOPE_PREFIX: 'aif/', AUTH_CACHE_TTL_SECONDS: '300' });
      expect(variables.AUTH_AUDIENCE).toBeUndefined();
    });

    it('outputs the user pool id, the client id and the token URL', () => {
      template.hasOutput('UserPoolId', {});
      template.hasOutput('AgentClientId', {});
      expect(JSON.stringify(template.toJSON().Outputs.TokenUrl.Value)).toContain('/oauth2/token');
    });

    it('reports no unacknowledged cdk-nag finding', () => {
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });

    it('tells the system function the token endpoint and scope prefix, for the OpenAPI document', () => {
      const [system] = functionsOf(template, 'system');
      const variables = variablesOf(system!);

      expect(JSON.stringify(variables.AUTH_TOKEN_URL)).toContain('/oauth2/token');
      expect(variables).toMatchObject({ AUTH_SCOPE_PREFIX: 'aif/', AUTH_ENFORCED: 'token' });
    });
  });

  describe('cognito with several agent clients (authAgentClients)', () => {
    const { template, findings } = synth({ authAgentClients: '{"planner":"mesh:call events:write","ops":"*"}' });

    it('creates one client-credentials client per agent, each with its own scopes, all accepted by the authorizer', () => {
      const clients = resourcesOf(template, 'AWS::Cognito::UserPoolClient');
      const byName = Object.fromEntries(clients.map((c) => [c.Properties.ClientName, c.Properties]));
      const [authorizer] = functionsOf(template, 'authorizer');

      expect(Object.keys(byName).sort()).toEqual(['aif-ops', 'aif-planner']);
      expect(JSON.stringify(byName['aif-planner']!.AllowedOAuthScopes)).toContain('/mesh:call');
      expect((byName['aif-planner']!.AllowedOAuthScopes as unknown[]).length).toBe(2);
      expect((byName['aif-ops']!.AllowedOAuthScopes as unknown[]).length).toBe(scopesOf(table).length);
      expect(JSON.stringify(variablesOf(authorizer!).AUTH_COGNITO_CLIENT_IDS).match(/AgentClient/g)).toHaveLength(2);
      template.hasOutput('AgentClientId', {});
      template.hasOutput('AgentClientIdOps', {});
    });

    it('reports no unacknowledged cdk-nag finding', () => {
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });

    it('fails synth when a client names a scope the route table does not have', () => {
      expect(() => synth({ authAgentClients: '{"planner":"mesh:call mesh:fly"}' })).toThrow(
        /client "planner" names scopes the route table does not have: mesh:fly/,
      );
    });

    it('fails synth on a malformed setting, naming it', () => {
      expect(() => synth({ authAgentClients: 'planner' })).toThrow(/authAgentClients" must be a JSON object/);
      expect(() => synth({ authAgentClients: '{"bad name":"*"}' })).toThrow(/client name "bad name"/);
      expect(() => synth({ authAgentClients: '{"planner":[]}' })).toThrow(/needs "\*" or a list of scopes/);
    });
  });

  describe('jwt', () => {
    const { template, findings } = synth({ ...JWT, authCacheTtlSeconds: '60', authTenantClaim: 'org' });

    it('puts the REQUEST authorizer on the Authorization header on every non-public method, fallbacks included', () => {
      const [authorizer] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
      const methods = methodsOf(template);

      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 60,
      });
      expect(methods.filter((m) => m.httpMethod === 'ANY' && m.path === '/{proxy+}')).toHaveLength(1);
      for (const m of methods) {
        const open = publicKeys.has(`${m.httpMethod} ${m.path}`);
        expect({ type: m.authorizationType, id: m.authorizerId }, `${m.httpMethod} ${m.path}`).toEqual(
          open ? { type: 'NONE', id: undefined } : { type: 'CUSTOM', id: authorizer },
        );
      }
    });

    it('gives the authorizer the context’s issuer, audience, JWKS, tenant claim and TTL', () => {
      const [authorizer] = functionsOf(template, 'authorizer');

      expect(functionsOf(template, 'authorizer')).toHaveLength(1);
      expect(variablesOf(authorizer!)).toMatchObject({
        AUTH_ISSUER: 'https://issuer.example',
        AUTH_AUDIENCE: 'aif,aif-test',
        AUTH_JWKS_URL: 'https://issuer.example/.well-known/jwks.json',
        AUTH_TENANT_CLAIM: 'org',
        AUTH_CACHE_TTL_SECONDS: '60',
      });
      expect(resourcesOf(template, 'AWS::Cognito::UserPool')).toHaveLength(0);
    });

    it('turns the functions’ authorize middleware on', () => {
      for (const name of ['contracts', 'errors', 'events', 'mesh', 'system']) {
        expect(variablesOf(functionsOf(template, name)[0]!).AUTH_ENFORCED, name).toBe('token');
      }
    });

    it('reports no unacknowledged cdk-nag finding', () => {
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });

    it.each([
      [{ authMode: 'jwt' }, /authIssuer and authAudience/],
      [{ authMode: 'jwt', authIssuer: 'https://issuer.example' }, /needs authAudience/],
      [{ authMode: 'jwt', authAudience: 'aif' }, /needs authIssuer/],
    ])('fails synth without issuer or audience: %o', (context, message) => {
      expect(() => synth(context)).toThrow(message);
    });
  });

  describe('iam', () => {
    const { template, findings, api } = synth({ authMode: 'iam' });

    it('requires SigV4 on every non-public method, fallbacks included, with no authorizer', () => {
      for (const m of methodsOf(template)) {
        const open = publicKeys.has(`${m.httpMethod} ${m.path}`);
        expect(m.authorizationType, `${m.httpMethod} ${m.path}`).toBe(open ? 'NONE' : 'AWS_IAM');
      }
      expect(resourcesOf(template, 'AWS::ApiGateway::Authorizer')).toHaveLength(0);
      expect(functionsOf(template, 'authorizer')).toHaveLength(0);
      expect(variablesOf(functionsOf(template, 'mesh')[0]!).AUTH_ENFORCED).toBe('iam');
    });

    it('emits one managed policy per scope granting execute-api:Invoke on exactly that scope’s methods', () => {
      // Prepare: the ARNs routeArns builds, with placeholders for the deploy-time parts.
      const apiLogicalId = (api.resolve(api.httpApi.restApi.restApiId) as { Ref: string }).Ref;
      const parts = {
        partition: '<AWS::Partition>',
        region: '<AWS::Region>',
        accountId: '<AWS::AccountId>',
        apiId: '<Api>',
        stage: 'test',
        method: '*',
        resourcePath: '/*',
      };
      const flatten = (value: unknown): string => {
        if (typeof value === 'string') return value;
        const { Ref, 'Fn::Join': join } = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
        if (Ref) return Ref === apiLogicalId ? '<Api>' : `<${Ref}>`;
        return join![1].map(flatten).join(join![0]);
      };

      // Act
      const policies = resourcesOf(template, 'AWS::IAM::ManagedPolicy');

      // Assess
      expect(policies).toHaveLength(scopesOf(table).length);
      for (const scope of scopesOf(table)) {
        const policy = api.authorization.scopePolicies[scope]!;
        const document = api.resolve((policy.node.defaultChild as CfnManagedPolicy).policyDocument) as {
          Statement: { Action: string; Effect: string; Resource: unknown }[];
        };
        const expected = table
          .filter((r) => !r.public && r.scopes.includes(scope))
          .flatMap((r) => routeArns(r, parts))
          .sort();
        const [statement] = document.Statement;
        const resources = [statement!.Resource].flat();

        expect(document.Statement).toHaveLength(1);
        expect(statement).toMatchObject({ Action: 'execute-api:Invoke', Effect: 'Allow' });
        expect(resources.map(flatten).sort(), scope).toEqual(expected);
      }
    });

    it('answers an unsigned request 401 problem+json, with no Bearer challenge', () => {
      const responses = resourcesOf(template, 'AWS::ApiGateway::GatewayResponse');
      const missing = responses.find((r) => r.Properties.ResponseType === 'MISSING_AUTHENTICATION_TOKEN');

      expect(missing?.Properties.StatusCode).toBe('401');
      expect(JSON.stringify(responses)).not.toContain('WWW-Authenticate');
    });

    it('reports no unacknowledged cdk-nag finding', () => {
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  describe('none', () => {
    it('fails synth without a reason', () => {
      expect(() => synth({ authMode: 'none' })).toThrow(/authNoneReason/);
    });

    it('with a reason, leaves the methods open, and cdk-nag reports every non-public one and fails the synth', () => {
      // Prepare
      const base = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context;
      const { app, api } = composeApp(
        new App({
          context: { ...base, 'aws:cdk:bundling-stacks': [], authMode: 'none', authNoneReason: 'a sandbox stage' },
        }),
      );

      // Act
      const findings = new AwsSolutionsChecks().validateScope(app).violations;
      const apig4 = findings.find((f) => f.ruleName === 'AwsSolutions-APIG4');
      const cog4 = findings.find((f) => f.ruleName === 'AwsSolutions-COG4');
      const nonPublic = api.httpApi.restApi.methods.filter(
        (m) => !publicKeys.has(`${m.httpMethod} ${m.resource.path}`),
      );

      // Assess
      expect(nonPublic.length).toBeGreaterThan(0);
      expect(nonPublic.every((m) => api.resolve((m.node.defaultChild as CfnMethod).authorizationType) === 'NONE')).toBe(
        true,
      );
      expect(apig4?.severity).toBe('error');
      expect(apig4?.violatingResources).toHaveLength(nonPublic.length);
      expect(cog4?.violatingResources).toHaveLength(nonPublic.length);
      expect(() => Template.fromStack(api)).toThrow(/AwsSolutions-APIG4/);
    });
  });
});

describe('readAuthSettings', () => {
  const read = (context: Record<string, unknown>) => readAuthSettings(new App({ context }).node);

  it('reads jwt settings, defaulting the JWKS to the issuer’s well-known URL', () => {
    expect(read({ ...JWT, authAlgorithms: 'ES256, EdDSA' })).toMatchObject({
      mode: 'jwt',
      issuer: 'https://issuer.example',
      audience: ['aif', 'aif-test'],
      jwksUrl: 'https://issuer.example/.well-known/jwks.json',
      algorithms: ['ES256', 'EdDSA'],
    });
  });

  it.each([
    [{ authMode: 'ldap' }, /authMode/],
    [{ ...JWT, authCacheTtlSeconds: '3601' }, /authCacheTtlSeconds/],
    [{ ...JWT, authCacheTtlSeconds: '1.5' }, /authCacheTtlSeconds/],
    [{ ...JWT, authAlgorithms: 'RS256,HS256' }, /authAlgorithms/],
    [{ ...JWT, authAlgorithms: 'none' }, /authAlgorithms/],
    [{ ...JWT, authIssuer: 'http://issuer.example' }, /authIssuer/],
    [{ ...JWT, authJwksUrl: 'not a url' }, /authJwksUrl/],
    [{ authCognitoDomainPrefix: 'Has_Upper' }, /authCognitoDomainPrefix/],
  ])('rejects the malformed context %o', (context, message) => {
    expect(() => read(context)).toThrow(message);
  });
});
