import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readAppContext, subscriptionRulePrefixOf } from '../../infra/app-context';
import { assertSubscriptionRulePrefix } from '../../infra/constructs/subscription-rules';
import { ContextError } from '../../infra/context-problems';

const contextOf = (context: Record<string, unknown>) => readAppContext(new App({ context }).node);

/** The problems readAppContext reports for a context, one line each. */
function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    contextOf(context);
  } catch (error) {
    if (error instanceof ContextError) return error.problems;
    throw error;
  }
  return [];
}

describe('readAppContext', () => {
  describe('stage', () => {
    it.each(['feature-login-redesign', 'a'.repeat(40), 'Stage-With-Caps-1234567'])(
      'accepts the long stage "%s" with a default rule prefix that fits EventBridge',
      (stage) => {
        const context = contextOf({ stage });

        expect(context.stage).toBe(stage);
        expect(() => assertSubscriptionRulePrefix(context.subscriptionRulePrefix)).not.toThrow();
        expect(context.subscriptionRulePrefix).toMatch(/^aif-.{8}-[0-9a-f]{6}-sub-$/);
      },
    );

    it('keeps aif-<stage>-sub- for stages up to 15 characters, and one prefix per long stage', () => {
      expect(subscriptionRulePrefixOf('a'.repeat(15))).toBe(`aif-${'a'.repeat(15)}-sub-`);
      expect(subscriptionRulePrefixOf('feature-login-a')).not.toBe(subscriptionRulePrefixOf('feature-login-b'));
      expect(subscriptionRulePrefixOf('feature-login-redesign-a')).not.toBe(
        subscriptionRulePrefixOf('feature-login-redesign-b'),
      );
    });

    it('rejects a stage too long for the default Cognito domain prefix, naming the limit', () => {
      expect(problemsOf({ stage: 's'.repeat(47) })).toEqual([
        expect.stringMatching(
          /^Context "stage" .*47 characters.*Cognito allows 63 characters, so a stage of at most 46/,
        ),
      ]);
      expect(problemsOf({ stage: 's'.repeat(46) })).toEqual([]);
    });

    it('accepts that stage with its own Cognito domain prefix, or outside the cognito mode', () => {
      expect(problemsOf({ stage: 's'.repeat(60), authCognitoDomainPrefix: 'aif-long' })).toEqual([]);
      expect(problemsOf({ stage: 's'.repeat(60), authMode: 'iam' })).toEqual([]);
    });

    it('rejects a stage that puts a word Cognito refuses into the default domain prefix', () => {
      expect(problemsOf({ stage: 'cognito-test' })).toEqual([expect.stringMatching(/"cognito".*refuses/)]);
    });
  });

  describe('every bad value', () => {
    it('reports each bad value on its own line, naming its key', () => {
      const problems = problemsOf({
        stage: 'my stage',
        throttleRateLimit: '-1',
        healthCheckIntervalMinutes: '1.5',
        logRetentionDays: '31',
        destroyOnRemoval: 'yes',
        alarmEmail: 'nope',
      });

      expect(problems.map((p) => /^Context "(\w+)"/.exec(p)?.[1])).toEqual([
        'stage',
        'throttleRateLimit',
        'logRetentionDays',
        'healthCheckIntervalMinutes',
        'destroyOnRemoval',
        'alarmEmail',
      ]);
      expect(problems.every((p) => !p.includes('\n'))).toBe(true);
    });

    it.each([
      [{ healthCheckIntervalMinutes: '0' }, /"healthCheckIntervalMinutes" must be a positive number/],
      [{ reservedConcurrency: 'maybe' }, /"reservedConcurrency" must be true or false/],
      [{ alarmTopicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' }, /"alarmTopicArn" must be an SNS topic ARN/],
      [
        { alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops', alarmEmail: 'ops@example.com' },
        /exclude each other/,
      ],
      [{ subscriptionRulePrefix: 'sub*' }, /"subscriptionRulePrefix"/],
    ])('rejects %o', (context, message) => {
      expect(problemsOf(context)).toEqual([expect.stringMatching(message)]);
    });
  });

  describe('alarms and teardown', () => {
    it('reads the alarm topic or the address of one to create, true/false flags as strings or booleans', () => {
      expect(contextOf({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }).alarmNotifications).toEqual({
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      });
      expect(contextOf({ alarmEmail: 'ops@example.com' }).alarmNotifications).toEqual({ email: 'ops@example.com' });
      expect(contextOf({}).alarmNotifications).toBeUndefined();
      expect(contextOf({ destroyOnRemoval: 'true', reservedConcurrency: false })).toMatchObject({
        destroyOnRemoval: true,
        reserveConcurrency: false,
      });
      expect(contextOf({}).destroyOnRemoval).toBe(false);
    });
  });
});

describe('infra/main.ts (the CDK app)', () => {
  it('prints one line per bad context value, across the app, limits and network settings, and exits with 1', async () => {
    // Prepare: the CDK CLI hands the app its context in CDK_CONTEXT_JSON
    const context = { stage: 'my stage', usagePlans: 'maybe', wafIpRateLimit: '3' };

    // Act
    const failure = await promisify(execFile)('npx', ['tsx', 'infra/main.ts'], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    // Assess
    expect(failure?.code).toBe(1);
    const lines = (failure?.stderr ?? '').split('\n').filter((line) => line.startsWith('Context '));
    expect(lines.map((line) => /^Context "(\w+)"/.exec(line)?.[1])).toEqual(['stage', 'usagePlans', 'wafIpRateLimit']);
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
