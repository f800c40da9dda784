import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeApp } from '../../../infra/app';
import type { ApiStack } from '../../../infra/stacks/api-stack';
import type { StatefulStack } from '../../../infra/stacks/stateful-stack';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

/** The app as `cdk synth` composes it, with cdk.json's context. */
function buildApp() {
  const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return composeApp(new App({ context: { ...context, stage: 'test' } }));
}

describe('WebhookSecretKey', () => {
  let stateful: StatefulStack;
  let api: ApiStack;
  let apiTemplate: Template;
  let statefulTemplate: Template;

  beforeAll(() => {
    ({ stateful, api } = buildApp());
    apiTemplate = Template.fromStack(api);
    statefulTemplate = Template.fromStack(stateful);
  });

  /** Every KMS statement of every IAM policy in the API stack, by the roles it is attached to. */
  const kmsStatements = (): Array<{ roles: string; statement: Statement }> =>
    Object.values(apiTemplate.findResources('AWS::IAM::Policy')).flatMap((policy) => {
      const { Roles, PolicyDocument } = (policy as { Properties: Record<string, unknown> }).Properties as {
        Roles: unknown;
        PolicyDocument: { Statement: Statement[] };
      };
      return PolicyDocument.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:'))).map(
        (statement) => ({ roles: JSON.stringify(Roles), statement }),
      );
    });
  const roleOf = (fn: { node: { defaultChild?: unknown } }) =>
    (
      apiTemplate.toJSON().Resources[api.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties.Role as {
        'Fn::GetAtt': string[];
      }
    )['Fn::GetAtt'][0] as string;

  it('is a retained customer-managed symmetric key with rotation on and an alias, in the stateful stack', () => {
    // Assess
    statefulTemplate.resourceCountIs('AWS::KMS::Key', 1);
    statefulTemplate.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    statefulTemplate.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: Match.stringLikeRegexp('^alias/aif-webhook-secrets-'),
    });
    apiTemplate.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('grants kms:Encrypt to the events function and kms:Decrypt to the dispatcher only, under the encryption context keys', () => {
    // Act
    const statements = kmsStatements();

    // Assess
    const eventsRole = roleOf(api.functions.events.function);
    const dispatcherRole = roleOf(api.dispatcher.function.function);
    expect(
      statements.map((s) => [
        s.roles.includes(eventsRole) ? 'events' : s.roles.includes(dispatcherRole) ? 'dispatcher' : s.roles,
        s.statement.Action,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['events', 'kms:Encrypt'],
        ['dispatcher', 'kms:Decrypt'],
      ]),
    );
    expect(statements).toHaveLength(2);
    for (const { statement } of statements) {
      expect(JSON.stringify(statement.Resource)).toContain('WebhookSecretKey');
      expect(statement.Condition).toEqual({
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['aif-tenant', 'aif-subscription'] },
        Null: { 'kms:EncryptionContext:aif-tenant': 'false', 'kms:EncryptionContext:aif-subscription': 'false' },
      });
    }
  });

  it('tells the events function and the dispatcher the key, and the dispatcher the event retention for dead letters', () => {
    // Assess
    for (const fn of [api.functions.events.function, api.dispatcher.function.function]) {
      const env = apiTemplate.toJSON().Resources[api.getLogicalId(fn.node.defaultChild as CfnFunction)].Properties
        .Environment.Variables as Record<string, unknown>;
      expect(JSON.stringify(env.WEBHOOK_SECRET_KEY_ARN)).toContain('WebhookSecretKey');
      expect(env.EVENT_RETENTION_DAYS).toBe('30');
    }
    const mesh = apiTemplate.toJSON().Resources[
      api.getLogicalId(api.functions.mesh.function.node.defaultChild as CfnFunction)
    ].Properties.Environment.Variables as Record<string, unknown>;
    expect(mesh.WEBHOOK_SECRET_KEY_ARN).toBeUndefined();
  });

  it('turns on TTL (expiresAt) on the delivery table, so dead letters expire', () => {
    // Assess
    statefulTemplate.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: Match.arrayWith([{ AttributeName: 'sk', KeyType: 'RANGE' }]),
      GlobalSecondaryIndexes: Match.arrayWith([Match.objectLike({ IndexName: 'bySubscription' })]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});
