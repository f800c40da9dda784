import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import { DomainName, EndpointType, type RestApi, SecurityPolicy } from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { DomainSettings, NetworkSettings, WafSettings } from '../network-context';

/** Props of {@link ApiNetwork}. */
export interface ApiNetworkProps {
  /** The REST API; its deployment stage gets the web ACL and the domain's base path mapping. */
  readonly restApi: RestApi;
  readonly settings: NetworkSettings;
}

/** WAF evaluates rate-based rules over a window of this many seconds (60, 120, 300 or 600). */
const RATE_WINDOW_SECONDS = 300;

/**
 * How the API is reached, around the REST API: a WAFv2 web ACL on the stage (unless turned off),
 * and a custom domain (TLS 1.2 at least, mutual TLS with the truststore when given) mapped to the
 * stage. {@link restApiNetworkOptions} gives the options the RestApi itself must be created with
 * (the execute-api endpoint disabled with a domain, the source-IP resource policy).
 */
export class ApiNetwork extends Construct {
  /** The web ACL, unless `waf` is false. */
  readonly webAcl?: CfnWebACL;
  /** The custom domain, when one is set. */
  readonly domain?: DomainName;

  constructor(scope: Construct, id: string, props: ApiNetworkProps) {
    super(scope, id);
    const stage = props.restApi.deploymentStage;
    const { waf, domain } = props.settings;
    if (waf) {
      this.webAcl = webAclOf(this, waf);
      new CfnWebACLAssociation(this, 'WebAclAssociation', {
        resourceArn: stage.stageArn,
        webAclArn: this.webAcl.attrArn,
      });
    } else {
      Validations.of(stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF was turned off for this stage by the deploying team (context waf=false); the stage throttle and the in-app checks still apply.',
      });
    }
    if (domain) this.domain = this.createDomain(props.restApi, domain);
  }

  private createDomain(restApi: RestApi, settings: DomainSettings): DomainName {
    const { truststore } = settings;
    const domain = new DomainName(this, 'Domain', {
      domainName: settings.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn),
      endpointType: EndpointType.REGIONAL,
      securityPolicy: SecurityPolicy.TLS_1_2,
      ...(truststore && {
        mtls: {
          bucket: Bucket.fromBucketName(this, 'Truststore', truststore.bucket),
          key: truststore.key,
          ...(truststore.version && { version: truststore.version }),
        },
      }),
    });
    domain.addBasePathMapping(restApi, { stage: restApi.deploymentStage });
    new CfnOutput(Stack.of(this), 'DomainTarget', {
      description: `Point ${settings.domainName} here (CNAME, or a Route 53 alias)`,
      value: domain.domainNameAliasDomainName,
    });
    return domain;
  }
}

/**
 * The options the RestApi is created with for these settings: with a custom domain, the default
 * `execute-api` endpoint is disabled (callers must come through the domain and its mTLS); with
 * `allowedSourceCidrs`, a resource policy that allows `execute-api:Invoke` and denies it to every
 * other source address.
 *
 * @throws {Error} when `allowedSourceCidrs` is set in `iam` mode: a resource policy allowing `*`
 *   would let same-account IAM principals invoke without the per-scope policies (condition your
 *   agents' policies on `aws:SourceIp` instead)
 */
export function restApiNetworkOptions(
  settings: NetworkSettings,
  authMode: string,
): { disableExecuteApiEndpoint?: boolean; policy?: PolicyDocument } {
  const cidrs = settings.allowedSourceCidrs;
  if (cidrs && authMode === 'iam') {
    throw new Error(
      'Context "allowedSourceCidrs" cannot be combined with authMode iam: a resource policy allowing * would admit same-account IAM principals without the per-scope policies; condition the agents\' policies on aws:SourceIp instead',
    );
  }
  return {
    ...(settings.domain && { disableExecuteApiEndpoint: true }),
    ...(cidrs && {
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            effect: Effect.ALLOW,
            principals: [new AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
          }),
          new PolicyStatement({
            effect: Effect.DENY,
            principals: [new AnyPrincipal()],
            actions: ['execute-api:Invoke'],
            resources: ['execute-api:/*'],
            conditions: { NotIpAddress: { 'aws:SourceIp': cidrs } },
          }),
        ],
      }),
    }),
  };
}

/**
 * The web ACL: AWS's managed common rule set (its 8 KB body-size rule only counts: the API takes
 * contract documents up to MAX_BODY_BYTES and answers 413 itself beyond) and known-bad-inputs
 * rule set, then two rate-based rules over 5 minutes — per source IP, and per `Authorization`
 * value (one token: a caller spreading over many addresses is still one caller). Requests without
 * the header are counted by the per-IP rule only (WAF does not rate-limit a request lacking a key).
 */
function webAclOf(scope: Construct, waf: WafSettings): CfnWebACL {
  const visibility = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    metricName,
    sampledRequestsEnabled: true,
  });
  const managed = (name: string, priority: number, overrides: string[] = []): CfnWebACL.RuleProperty => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ...(overrides.length > 0 && {
          ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })),
        }),
      },
    },
    visibilityConfig: visibility(name),
  });
  return new CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    description: 'Agent Integration Framework API: managed rule groups and rate limits per IP and per token',
    visibilityConfig: visibility('AifApiWebAcl'),
    rules: [
      managed('AWSManagedRulesCommonRuleSet', 0, ['SizeRestrictions_BODY']),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
      {
        name: 'RatePerIp',
        priority: 2,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: waf.ipRateLimit,
            aggregateKeyType: 'IP',
            evaluationWindowSec: RATE_WINDOW_SECONDS,
          },
        },
        visibilityConfig: visibility('RatePerIp'),
      },
      {
        name: 'RatePerToken',
        priority: 3,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: waf.tokenRateLimit,
            aggregateKeyType: 'CUSTOM_KEYS',
            evaluationWindowSec: RATE_WINDOW_SECONDS,
            customKeys: [{ header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } }],
          },
        },
        visibilityConfig: visibility('RatePerToken'),
      },
    ],
  });
}
