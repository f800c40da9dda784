import { type App, RemovalPolicies, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defaultAppContext, readAppContext } from './app-context';
import { ContextProblems } from './context-problems';
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
 * With context `destroyOnRemoval=true` (a disposable stage) the stateful stack is not termination
 * protected, tables and the user pool not deletion protected, and every resource of both stacks is
 * DESTROY, so `cdk destroy --all` removes the stage; otherwise data-holding resources are RETAIN.
 *
 * The CDK entry point (`infra/main.ts`) and the infra tests compose through this one function.
 *
 * @throws {ContextError} listing every invalid context parameter, one line each (`readAppContext`,
 *   `readLimitsContext`, `readNetworkSettings`), before any construct is created
 * @example const { stateful, api } = composeApp(new App({ context: { stage: 'test' } }));
 */
export function composeApp(app: App): ComposedApp {
  const problems = new ContextProblems();
  const context = problems.read(() => readAppContext(app.node), defaultAppContext);
  const limits = problems.read(
    () =>
      readLimitsContext(app.node, context.auth.mode, {
        rateLimit: context.throttleRateLimit,
        burstLimit: context.throttleBurstLimit,
      }),
    undefined,
  );
  const network = problems.read(() => readNetworkSettings(app.node), undefined);
  problems.throwIfAny();
  const retained = !context.destroyOnRemoval;
  const stateful = new StatefulStack(app, `Aif-${context.stage}-Stateful`, {
    description: retained
      ? `Agent Integration Framework (${context.stage}): tables, event bus, archive and delivery queues — retained, termination protected`
      : `Agent Integration Framework (${context.stage}): tables, event bus, archive and delivery queues — disposable (destroyOnRemoval)`,
    terminationProtection: retained,
    deletionProtection: retained,
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
    ...(limits && { limits }),
    ...(network && { network }),
    // `-c reservedConcurrency=false` for accounts with a low Lambda concurrency quota.
    reserveConcurrency: context.reserveConcurrency,
    ...(context.alarmNotifications && { alarmNotifications: context.alarmNotifications }),
    deletionProtection: retained,
  });
  if (!retained) {
    for (const stack of [stateful, api]) RemovalPolicies.of(stack).destroy();
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, api };
}
