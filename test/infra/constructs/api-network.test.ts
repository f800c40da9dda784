import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { composeApp } from '../../../infra/app';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-000011112222';

/** The app with cdk.json's context and `context` on top, templates only (no bundling). */
function synth(context: Record<string, unknown>) {
  const base = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context;
  const composed = composeApp(
    new App({ context: { ...base, stage: 'test', 'aws:cdk:bundling-stacks': [], ...context } }),
  );
  const template = Template.fromStack(composed.api);
  const findings = new AwsSolutionsChecks().validateScope(composed.app).violations;
  return { ...composed, template, findings };
}

type Rule = { Name: string; Statement: Record<string, Record<string, unknown>> };

describe('ApiNetwork', () => {
  describe('by default', () => {
    const { template, findings, api } = synth({});
    const rules = () =>
      (Object.values(template.findResources('AWS::WAFv2::WebACL'))[0]?.Properties.Rules ?? []) as Rule[];

    it('puts a regional web ACL on the stage: managed common and known-bad-inputs groups, rate rules per IP and per token', () => {
      const stageId = api.getLogicalId(api.httpApi.restApi.deploymentStage.node.defaultChild as never);

      template.resourceCountIs('AWS::WAFv2::WebACL', 1);
      template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
      expect(rules().map((r) => r.Name)).toEqual([
        'AWSManagedRulesCommonRuleSet',
        'AWSManagedRulesKnownBadInputsRuleSet',
        'RatePerIp',
        'RatePerToken',
      ]);
      expect(rules()[2]?.Statement.RateBasedStatement).toMatchObject({ Limit: 2000, AggregateKeyType: 'IP' });
      expect(rules()[3]?.Statement.RateBasedStatement).toMatchObject({
        Limit: 1000,
        AggregateKeyType: 'CUSTOM_KEYS',
        CustomKeys: [{ Header: { Name: 'authorization' } }],
      });
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: stageId }])]) }),
      });
    });

    it('lets large contract documents through the common rule set’s 8 KB body rule (counted, not blocked)', () => {
      const common = rules()[0]?.Statement.ManagedRuleGroupStatement as { RuleActionOverrides: unknown[] };

      expect(common.RuleActionOverrides).toEqual([{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }]);
    });

    it('keeps the execute-api endpoint, without a resource policy, and reports no cdk-nag finding (APIG3 met)', () => {
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: Match.absent() });
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { Policy: Match.absent() });
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  describe('with context waf=false', () => {
    const { template, findings } = synth({ waf: 'false' });

    it('creates no web ACL, and acknowledges APIG3 with that reason', () => {
      template.resourceCountIs('AWS::WAFv2::WebACL', 0);
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  describe('with a custom domain and mTLS', () => {
    const { template, findings } = synth({
      domainName: 'api.example.com',
      domainCertificateArn: CERTIFICATE,
      mtlsTruststoreUri: 's3://aif-truststore/clients.pem',
      mtlsTruststoreVersion: 'v3',
    });

    it('serves the stage on the domain with TLS 1.2 and the truststore, and disables execute-api', () => {
      template.hasResourceProperties('AWS::ApiGateway::DomainName', {
        DomainName: 'api.example.com',
        RegionalCertificateArn: CERTIFICATE,
        SecurityPolicy: 'TLS_1_2',
        EndpointConfiguration: { Types: ['REGIONAL'] },
        MutualTlsAuthentication: { TruststoreUri: 's3://aif-truststore/clients.pem', TruststoreVersion: 'v3' },
      });
      template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
      template.hasOutput('DomainTarget', {});
      expect(findings.map((f) => f.ruleName)).toEqual([]);
    });
  });

  describe('with certificate-bound tokens (mtlsBindTokens)', () => {
    it('tells the authorizer to check cnf.x5t#S256 and caches none of its answers (the cache key is the token alone)', () => {
      const { template } = synth({
        domainName: 'api.example.com',
        domainCertificateArn: CERTIFICATE,
        mtlsTruststoreUri: 's3://aif-truststore/clients.pem',
        mtlsBindTokens: 'true',
      });
      const authorizers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (f) =>
          (f as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
            .Variables.POWERTOOLS_SERVICE_NAME === 'authorizer',
      ) as Array<{ Properties: { Environment: { Variables: Record<string, unknown> } } }>;

      expect(authorizers[0]?.Properties.Environment.Variables).toMatchObject({
        AUTH_BIND_CLIENT_CERTIFICATE: 'true',
        AUTH_CACHE_TTL_SECONDS: '0',
      });
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    });

    it('needs mutual TLS', () => {
      expect(() => synth({ mtlsBindTokens: 'true' })).toThrow(/needs a custom domain with mutual TLS/);
      expect(() =>
        synth({ domainName: 'api.example.com', domainCertificateArn: CERTIFICATE, mtlsBindTokens: 'true' }),
      ).toThrow(/needs mutual TLS: set "mtlsTruststoreUri"/);
    });
  });

  describe('with allowedSourceCidrs', () => {
    it('allows invoking and denies every other source address in the resource policy', () => {
      const { template } = synth({ allowedSourceCidrs: '203.0.113.0/24, 2001:db8::/32' });

      template.hasResourceProperties('AWS::ApiGateway::RestApi', {
        Policy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: 'execute-api:Invoke' }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 'execute-api:Invoke',
              Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
            }),
          ]),
        },
      });
    });

    it('is refused with authMode iam, naming why', () => {
      expect(() => synth({ allowedSourceCidrs: '203.0.113.0/24', authMode: 'iam' })).toThrow(
        /cannot be combined with authMode iam/,
      );
    });
  });

  describe('readNetworkSettings', () => {
    it('names each malformed setting', () => {
      expect(() => synth({ wafIpRateLimit: '5' })).toThrow(/"wafIpRateLimit" must be a whole number .* from 10/);
      expect(() => synth({ domainName: 'api.example.com' })).toThrow(
        /"domainName" and "domainCertificateArn" go together/,
      );
      expect(() => synth({ domainName: 'a.example.com', domainCertificateArn: 'nope' })).toThrow(/ACM certificate ARN/);
      expect(() =>
        synth({ domainName: 'a.example.com', domainCertificateArn: CERTIFICATE, mtlsTruststoreUri: 'https://x/y' }),
      ).toThrow(/s3:\/\/<bucket>\/<key>/);
      expect(() => synth({ allowedSourceCidrs: '10.0.0.0' })).toThrow(/must list CIDR ranges, got "10.0.0.0"/);
    });
  });
});
