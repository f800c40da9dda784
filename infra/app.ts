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
  description: `Agent Integration Framework (${context.stage}): tables and event bus — retained, termination protected`,
  terminationProtection: true,
});
new ApiStack(app, `Aif-${context.stage}-Api`, {
  description: `Agent Integration Framework (${context.stage}): functions and REST API`,
  tables: stateful.tables,
  eventBus: stateful.eventBus,
  stageName: context.stage,
  throttleRateLimit: context.throttleRateLimit,
  throttleBurstLimit: context.throttleBurstLimit,
  logRetention: context.logRetention,
});

// cdk-nag 3 is a policy validation plugin: synthesis fails on any unacknowledged error.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
