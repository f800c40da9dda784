import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppContext } from './app-context';
import { readLimitsContext } from './limits-context';
import { readNetworkSettings } from './network-context';
import { ApiStack } from './stacks/api-stack';
import { StatefulStack } from './stacks/stateful-stack';

/** The stacks of one deployment (stage). */
export type ComposedApp = { app: App; stateful: StatefulStack; api: ApiStack };

/**
 * Composes the app: the stateful stack (tables, bus, archive, queues — retained, termination
 * protected) and the API stack that gets them as props, named by the `stage` context, with the
 * cdk-nag AwsSolutions checks as a policy validation plugin (synthesis fails on any
 * unacknowledged error). Stacks are environment-agnostic (no account/region, no lookups): `cdk
 * synth` works offline, and `cdk deploy` takes the account and region of the caller's credentials.
 *
 * The CDK entry point (`infra/main.ts`) and the infra tests compose through this one function.
 *
 * @throws {Error} when a context parameter is invalid (`readAppContext`)
 * @example const { stateful, api } = composeApp(new App({ context: { stage: 'test' } }));
 */
export function composeApp(app: App): ComposedApp {
  const context = readAppContext(app.node);
  const limits = readLimitsContext(app.node, context.auth.mode, {
    rateLimit: context.throttleRateLimit,
    burstLimit: context.throttleBurstLimit,
  });
  const stateful = new StatefulStack(app, `Aif-${context.stage}-Stateful`, {
    description: `Agent Integration Framework (${context.stage}): tables, event bus, archive and delivery queues — retained, termination protected`,
    terminationProtection: true,
    eventArchiveRetention: context.eventArchiveRetention,
    subscriptionRulePrefix: context.subscriptionRulePrefix,
    auditRetention: context.auditRetention,
  });
  const api = new ApiStack(app, `Aif-${context.stage}-Api`, {
    description: `Agent Integration Framework (${context.stage}): functions, REST API, event dispatcher and mesh health checks`,
    tables: stateful.tables,
    eventBus: stateful.eventBus,
    archive: stateful.eventArchive,
    eventRetention: context.eventArchiveRetention,
    deliveryQueue: stateful.deliveryQueue,
    webhookSecretKey: stateful.webhookSecretKey.key,
    deliveryDeadLetterQueue: stateful.deliveryDeadLetterQueue,
    eventsDeadLetterQueue: stateful.eventsDeadLetterQueue,
    subscriptionRulePrefix: stateful.subscriptionRulePrefix,
    stageName: context.stage,
    throttleRateLimit: context.throttleRateLimit,
    throttleBurstLimit: context.throttleBurstLimit,
    logRetention: context.logRetention,
    healthCheckInterval: context.healthCheckInterval,
    healthCheckMaxPerRun: context.healthCheckMaxPerRun,
    auth: context.auth,
    auditRetentionDays: context.auditRetention,
    authFailureAlarmThreshold: context.authFailureAlarmThreshold,
    limits,
    network: readNetworkSettings(app.node),
    // `-c reservedConcurrency=false` for accounts with a low Lambda concurrency quota.
    reserveConcurrency: String(app.node.tryGetContext('reservedConcurrency') ?? 'true') !== 'false',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, api };
}
