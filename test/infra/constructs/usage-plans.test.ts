import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../functions/routes';
import { composeApp } from '../../../infra/app';
import { DEFAULT_METHOD_THROTTLES } from '../../../infra/limits-context';
import { type CfnResource, resourcePaths } from '../../support/api-gateway';

/** The app with cdk.json's context and `context`, no bundling (templates only). */
function synth(context: Record<string, unknown>) {
  const base = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context;
  const composed = composeApp(
    new App({ context: { ...base, stage: 'test', 'aws:cdk:bundling-stacks': [], ...context } }),
  );
  const template = Template.fromStack(composed.api);
  const findings = new AwsSolutionsChecks().validateScope(composed.app).violations;
  return { ...composed, template, findings };
}

const resourcesOf = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as Array<[string, CfnResource]>;
const JWT = { authMode: 'jwt', authIssuer: 'https://issuer.example', authAudience: 'aif' };
const CLIENT_A = 'a1b2c3d4e5f6g7h8i9j0k1l2m3';
const CLIENT_B = 'z9y8x7w6v5u4t3s2r1q0p9o8n7';

/** Every method with its full path and whether it requires an API key. */
function methodsWithKeys(template: Template) {
  const resources = template.toJSON().Resources as Record<string, CfnResource>;
  const paths = resourcePaths(resources);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method')
    .map((m) => {
      const props = m.Properties as { HttpMethod: string; ResourceId: { Ref?: string }; ApiKeyRequired?: boolean };
      return {
        key: `${props.HttpMethod} ${props.ResourceId.Ref ? paths.get(props.ResourceId.Ref) : '/'}`,
        apiKeyRequired: props.ApiKeyRequired === true,
      };
    });
}

/** The stage's method settings by `<METHOD> <resource path>` (API Gateway's `~1` decoded). */
function methodSettings(template: Template) {
  const [[, stage]] = resourcesOf(template, 'AWS::ApiGateway::Stage') as [[string, CfnResource]];
  const settings = stage.Properties.MethodSettings as Array<{
    HttpMethod: string;
    ResourcePath: string;
    ThrottlingRateLimit?: number;
    ThrottlingBurstLimit?: number;
  }>;
  return Object.fromEntries(
    settings.map((s) => [
      `${s.HttpMethod} ${s.ResourcePath.replaceAll('~1', '/').replace(/^\/\//, '/')}`,
      { rateLimit: s.ThrottlingRateLimit, burstLimit: s.ThrottlingBurstLimit },
    ]),
  );
}

describe('usage plans and method throttles', () => {
  describe('cognito (the default)', () => {
    const { template, findings } = synth({
      authAgentClients: '{"planner":"mesh:call events:write","ops":"*"}',
      usagePlanKeys: '{"ops":"premium"}',
    });

    it('takes API keys from the authorizer (usageIdentifierKey), not from a header', () => {
      const [[, api]] = resourcesOf(template, 'AWS::ApiGateway::RestApi') as [[string, CfnResource]];
      expect(api.Properties.ApiKeySourceType).toBe('AUTHORIZER');
    });

    it('creates one plan per tier on the stage, each with its throttle per key, below the stage throttle', () => {
      const plans = resourcesOf(template, 'AWS::ApiGateway::UsagePlan').map(([, p]) => p.Properties);
      expect(plans.map((p) => [p.UsagePlanName, p.Throttle])).toEqual([
        ['Aif-test-Api-standard', { RateLimit: 50, BurstLimit: 100 }],
        ['Aif-test-Api-premium', { RateLimit: 100, BurstLimit: 200 }],
      ]);
      for (const plan of plans) {
        expect(plan.ApiStages).toEqual([
          expect.objectContaining({ ApiId: { Ref: expect.any(String) }, Stage: { Ref: expect.any(String) } }),
        ]);
      }
    });

    it('creates an API key per Cognito agent client, its value the client id, in the plan of its tier', () => {
      const keys = resourcesOf(template, 'AWS::ApiGateway::ApiKey');
      const clients = Object.fromEntries(
        resourcesOf(template, 'AWS::Cognito::UserPoolClient').map(([id, c]) => [c.Properties.ClientName, id]),
      );
      const planIds = Object.fromEntries(
        resourcesOf(template, 'AWS::ApiGateway::UsagePlan').map(([id, p]) => [id, p.Properties.UsagePlanName]),
      );
      const planOfKey = Object.fromEntries(
        resourcesOf(template, 'AWS::ApiGateway::UsagePlanKey').map(([, k]) => [
          (k.Properties.KeyId as { Ref: string }).Ref,
          planIds[(k.Properties.UsagePlanId as { Ref: string }).Ref],
        ]),
      );

      expect(keys.map(([, k]) => [k.Properties.Name, k.Properties.Value])).toEqual([
        ['Aif-test-Api-planner', { Ref: clients['aif-planner'] }],
        ['Aif-test-Api-ops', { Ref: clients['aif-ops'] }],
      ]);
      expect(keys.map(([id]) => planOfKey[id])).toEqual(['Aif-test-Api-standard', 'Aif-test-Api-premium']);
    });

    it('requires an API key on every protected method, none on the public ones', () => {
      const methods = methodsWithKeys(template);
      const publicMethods = new Set(
        routes
          .filter((r) => 'public' in r && r.public)
          .flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]).map((v) => `${v} ${r.path}`)),
      );
      expect(methods.filter((m) => publicMethods.has(m.key)).every((m) => !m.apiKeyRequired)).toBe(true);
      expect(methods.filter((m) => !publicMethods.has(m.key)).every((m) => m.apiKeyRequired)).toBe(true);
      expect(methods.length).toBeGreaterThan(publicMethods.size);
    });

    it('throttles the mesh route, publish, replays, subscriptions and registrations more strictly than the stage', () => {
      const settings = methodSettings(template);
      expect(settings['* /*']).toEqual({ rateLimit: 100, burstLimit: 200 });
      expect(settings['* /v1/mesh/{service}/{proxy+}']).toEqual(DEFAULT_METHOD_THROTTLES.routeCall);
      expect(settings['POST /v1/events']).toEqual(DEFAULT_METHOD_THROTTLES.publishEvents);
      expect(settings['POST /v1/replays']).toEqual(DEFAULT_METHOD_THROTTLES.startReplay);
      expect(settings['POST /v1/subscriptions']).toEqual(DEFAULT_METHOD_THROTTLES.createSubscription);
      expect(settings['POST /v1/services']).toEqual(DEFAULT_METHOD_THROTTLES.registerInstance);
    });

    it('passes cdk-nag', () => {
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  describe('tiers, throttles and per-tenant limits from the context', () => {
    it('takes tiers with quotas and method throttles, and caps default throttles at a lower stage throttle', () => {
      const { template } = synth({
        throttleRateLimit: 20,
        throttleBurstLimit: 40,
        usagePlanTiers: JSON.stringify({
          basic: { rateLimit: 5, burstLimit: 10, quotaLimit: 10000, quotaPeriod: 'DAY' },
        }),
        usagePlanDefaultTier: 'basic',
        methodThrottles: JSON.stringify({ getTopology: { rateLimit: 2, burstLimit: 4 } }),
      });

      const plans = resourcesOf(template, 'AWS::ApiGateway::UsagePlan').map(([, p]) => p.Properties);
      expect(plans).toEqual([
        expect.objectContaining({
          UsagePlanName: 'Aif-test-Api-basic',
          Throttle: { RateLimit: 5, BurstLimit: 10 },
          Quota: { Limit: 10000, Period: 'DAY' },
        }),
      ]);
      const settings = methodSettings(template);
      expect(settings['* /v1/mesh/{service}/{proxy+}']).toEqual({ rateLimit: 20, burstLimit: 40 });
      expect(settings['POST /v1/replays']).toEqual({ rateLimit: 1, burstLimit: 5 });
      expect(settings['GET /v1/topology']).toEqual({ rateLimit: 2, burstLimit: 4 });
      expect(settings['HEAD /v1/topology']).toEqual({ rateLimit: 2, burstLimit: 4 });
    });

    it('hands the per-tenant RATE_LIMITS to the functions that hold the RateLimits table only', () => {
      const { template } = synth({ rateLimits: 'routeCall=200/400,startReplay=off' });

      const functions = resourcesOf(template, 'AWS::Lambda::Function').map(([, f]) => {
        const variables = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        return [variables.POWERTOOLS_SERVICE_NAME, variables.RATE_LIMITS];
      });
      expect(Object.fromEntries(functions.filter(([, limits]) => limits !== undefined))).toEqual({
        contracts: 'routeCall=200/400,startReplay=off',
        events: 'routeCall=200/400,startReplay=off',
        mesh: 'routeCall=200/400,startReplay=off',
      });
    });

    it.each([
      [
        { usagePlanTiers: '{"big":{"rateLimit":500,"burstLimit":100}}' },
        /exceeds the stage throttle .* which is the ceiling/,
      ],
      [{ methodThrottles: '{"routeCall":{"rateLimit":10,"burstLimit":999}}' }, /exceeds the stage throttle/],
      [{ methodThrottles: '{"getHealth":{"rateLimit":1,"burstLimit":1}}' }, /no non-public operation/],
      [{ usagePlanKeys: '{"agents":"gold"}' }, /names the tier "gold"/],
      [
        { usagePlanKeys: '{"nobody":"standard"}' },
        /usagePlanKeys names agent clients the stack does not create: nobody/,
      ],
      [{ usagePlans: 'maybe' }, /must be on or off/],
      [{ rateLimits: 'routeCall=fast' }, /Context "rateLimits"/],
      [{ rateLimits: 'reportError=1/1' }, /errors function, which has no RateLimits table/],
      [{ authMode: 'iam', usagePlans: 'on' }, /authMode iam has no Lambda authorizer/],
      [{ ...JWT, usagePlans: 'on' }, /jwt mode without "usagePlanKeys"/],
      [{ ...JWT, usagePlanKeys: '{"short-id":"standard"}' }, /cannot be an API key value/],
    ])('refuses %j', (context, message) => {
      expect(() => synth(context)).toThrow(message);
    });
  });

  describe('jwt', () => {
    it('has no usage plans without client ids: no key is required, the method throttles stay', () => {
      const { template } = synth(JWT);

      expect(resourcesOf(template, 'AWS::ApiGateway::UsagePlan')).toEqual([]);
      expect(resourcesOf(template, 'AWS::ApiGateway::ApiKey')).toEqual([]);
      const [[, api]] = resourcesOf(template, 'AWS::ApiGateway::RestApi') as [[string, CfnResource]];
      expect(api.Properties.ApiKeySourceType).toBeUndefined();
      expect(methodsWithKeys(template).some((m) => m.apiKeyRequired)).toBe(false);
      expect(methodSettings(template)['POST /v1/events']).toEqual(DEFAULT_METHOD_THROTTLES.publishEvents);
    });

    it('creates a key per client id the context lists, in its tier', () => {
      const { template, findings } = synth({
        ...JWT,
        usagePlanKeys: JSON.stringify({ [CLIENT_A]: 'standard', [CLIENT_B]: 'premium' }),
      });

      const keys = resourcesOf(template, 'AWS::ApiGateway::ApiKey').map(([, k]) => k.Properties.Value);
      expect(keys).toEqual([CLIENT_A, CLIENT_B]);
      expect(resourcesOf(template, 'AWS::ApiGateway::UsagePlanKey')).toHaveLength(2);
      expect(methodsWithKeys(template).filter((m) => m.apiKeyRequired).length).toBeGreaterThan(0);
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  it('has none in iam mode (no authorizer to answer a usageIdentifierKey)', () => {
    const { template } = synth({ authMode: 'iam' });

    expect(resourcesOf(template, 'AWS::ApiGateway::UsagePlan')).toEqual([]);
    expect(methodsWithKeys(template).some((m) => m.apiKeyRequired)).toBe(false);
  });
});
