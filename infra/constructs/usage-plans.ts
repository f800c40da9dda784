import { CfnOutput, Stack } from 'aws-cdk-lib';
import { ApiKey, type IApiKey, Period, type RestApi, UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import type { QuotaPeriod, UsagePlanSettings } from '../limits-context';

/** One API key to create: its name, its value (a client id, possibly a token) and its tier. */
export type UsagePlanKey = { readonly name: string; readonly value: string; readonly tier: string };

/** Props of {@link UsagePlans}. */
export interface UsagePlansProps {
  /** The REST API (its API key source must be `AUTHORIZER`) and the stage the plans meter. */
  readonly restApi: RestApi;
  /** The tiers and default tier. */
  readonly settings: UsagePlanSettings;
  /** The keys, one per agent client. */
  readonly keys: readonly UsagePlanKey[];
}

const PERIODS: Record<QuotaPeriod, Period> = { DAY: Period.DAY, WEEK: Period.WEEK, MONTH: Period.MONTH };

/**
 * API Gateway usage plans of the API's stage: one plan per tier (its throttle per API key, and a
 * quota when the tier has one) and one API key per agent client, whose value is the client id —
 * the `usageIdentifierKey` the Lambda authorizer answers (API key source `AUTHORIZER`), so clients
 * never send an `x-api-key` themselves. The stage throttle stays the ceiling of every plan; the
 * stage's method throttles apply too. Requests of a client without a key are refused 403 by
 * API Gateway on every method that requires one.
 *
 * @example new UsagePlans(this, 'UsagePlans', { restApi, settings, keys: [{ name: 'agents', value: client.userPoolClientId, tier: 'standard' }] })
 */
export class UsagePlans extends Construct {
  /** The plans by tier. */
  readonly plans: Readonly<Record<string, UsagePlan>>;
  /** The API keys by client name. */
  readonly apiKeys: Readonly<Record<string, IApiKey>>;

  constructor(scope: Construct, id: string, props: UsagePlansProps) {
    super(scope, id);
    const stage = props.restApi.deploymentStage;
    const stackName = Stack.of(this).stackName;
    const plans: Record<string, UsagePlan> = {};
    for (const [tier, shape] of Object.entries(props.settings.tiers)) {
      plans[tier] = new UsagePlan(this, `Plan-${tier}`, {
        name: `${stackName}-${tier}`,
        description: `Agent Integration Framework: the ${tier} tier (${shape.rateLimit}/s, burst ${shape.burstLimit} per agent client${shape.quota ? `, ${shape.quota.limit} requests per ${shape.quota.period.toLowerCase()}` : ''})`,
        apiStages: [{ api: props.restApi, stage }],
        throttle: { rateLimit: shape.rateLimit, burstLimit: shape.burstLimit },
        ...(shape.quota && { quota: { limit: shape.quota.limit, period: PERIODS[shape.quota.period] } }),
      });
    }
    const apiKeys: Record<string, IApiKey> = {};
    for (const key of props.keys) {
      const plan = plans[key.tier];
      if (!plan)
        throw new Error(`usage plans: the key of "${key.name}" names the tier "${key.tier}", which is not defined`);
      const apiKey = new ApiKey(this, `Key-${key.name}`, {
        apiKeyName: `${stackName}-${key.name}`,
        description: `Agent client ${key.name}: its requests are metered under the ${key.tier} plan (the authorizer answers the client id as the key)`,
        value: key.value,
      });
      plan.addApiKey(apiKey);
      apiKeys[key.name] = apiKey;
    }
    this.plans = plans;
    this.apiKeys = apiKeys;
    new CfnOutput(Stack.of(this), 'UsagePlanTiers', {
      description: 'Usage plan tiers of the API stage and the agent clients in each',
      value: Object.keys(plans)
        .map(
          (tier) =>
            `${tier}: ${
              props.keys
                .filter((k) => k.tier === tier)
                .map((k) => k.name)
                .join(' ') || '-'
            }`,
        )
        .join('; '),
    });
  }
}
