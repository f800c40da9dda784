import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppContext } from './app-context';
import { ApiStack } from './stacks/api-stack';
import { StatefulStack } from './stacks/stateful-stack';

// Composition only. Stacks are environment-agnostic (no account/region, no lookups): `cdk synth`
// works offline, and `cdk deploy` takes the account and region of the caller's credentials.
const app = new App();
const context = readAppContext(app.node);

const stateful = new StatefulStack(app, `Aif-${context.stage}-Stateful`, {
  description: `Agent Integration Framework (${context.stage}): tables, event bus, archive and delivery queues — retained, termination protected`,
  terminationProtection: true,
  eventArchiveRetention: context.eventArchiveRetention,
  subscriptionRulePrefix: context.subscriptionRulePrefix,
});
new ApiStack(app, `Aif-${context.stage}-Api`, {
  description: `Agent Integration Framework (${context.stage}): functions, REST API, event dispatcher and mesh health checks`,
  tables: stateful.tables,
  eventBus: stateful.eventBus,
  archive: stateful.eventArchive,
  eventRetention: context.eventArchiveRetention,
  deliveryQueue: stateful.deliveryQueue,
  deliveryDeadLetterQueue: stateful.deliveryDeadLetterQueue,
  eventsDeadLetterQueue: stateful.eventsDeadLetterQueue,
  subscriptionRulePrefix: stateful.subscriptionRulePrefix,
  stageName: context.stage,
  throttleRateLimit: context.throttleRateLimit,
  throttleBurstLimit: context.throttleBurstLimit,
  logRetention: context.logRetention,
  healthCheckInterval: context.healthCheckInterval,
});

// cdk-nag 3 is a policy validation plugin: synthesis fails on any unacknowledged error.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
