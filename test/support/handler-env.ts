import { type FunctionName, requiredSettings } from '../../functions/manifest';
import { awsFunctionBase, type FunctionBase } from '../../functions/wiring';
import { tableDefinitions } from '../../shared/adapters/dynamodb/table-definitions';
import type { Clock } from '../../shared/ports/clock';
import { recordingClock } from './clock';

// The AWS SDK's and Powertools' own variables: a region to sign for, silent logs, no metrics or traces.
process.env.AWS_REGION = 'us-east-1';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

/** Test values of the AWS-mode settings a function may need (`awsSettings` in the function manifest). */
const AWS_SETTINGS: Readonly<Record<string, string>> = {
  EVENT_BUS_NAME: 'aif-test-bus',
  EVENT_BUS_ARN: 'arn:aws:events:us-east-1:123456789012:event-bus/aif-test-bus',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-delivery',
  DELIVERY_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:aif-test-delivery',
  EVENTS_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:aif-test-events-dlq',
  DELIVERY_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-delivery-dlq',
  EVENTS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/aif-test-events-dlq',
  EVENT_ARCHIVE_ARN: 'arn:aws:events:us-east-1:123456789012:archive/aif-test-archive',
  WEBHOOK_SECRET_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  AUTH_ISSUER: 'https://issuer.test',
  // Nothing listens on port 1: a test that verifies tokens passes its own JWKS server's URL.
  AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
};

/**
 * The environment a function gets in the handler tests, derived from the function manifest: each
 * table's variable as `<id>-test` (e.g. CONTRACTS_TABLE=contracts-test), the function's AWS
 * settings, a 64 KiB body limit and the test subscription-rule prefix; `overrides` win.
 * Rate limiting is off (RATE_LIMITING=off): the mocked tables of other concerns' tests answer no
 * token bucket; the rate-limit handler tests turn it on (`{ RATE_LIMITING: 'on' }`). The outbound
 * budgets are off too (MESH_ / WEBHOOK_MAX_IN_FLIGHT_PER_TENANT=off) for the same reason; their
 * handler tests set a limit.
 *
 * @throws {Error} when the manifest names a setting this file has no test value for
 */
export function handlerTestEnv(name: FunctionName, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    MAX_BODY_BYTES: '65536',
    SUBSCRIPTION_RULE_PREFIX: 'aif-test-sub-',
    RATE_LIMITING: 'off',
    MESH_MAX_IN_FLIGHT_PER_TENANT: 'off',
    WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: 'off',
  };
  for (const setting of requiredSettings(name)) {
    const table = tableDefinitions.find((definition) => definition.envVar === setting);
    const value = table ? `${table.id.toLowerCase()}-test` : AWS_SETTINGS[setting];
    if (value === undefined) throw new Error(`handler-env: no test value for ${setting} (function ${name})`);
    env[setting] = value;
  }
  return { ...env, ...overrides };
}

/** The handler tests' "now" unless a test passes its own clock: 2026-11-30T10:00:00Z. */
export const HANDLER_TEST_NOW_MS = Date.parse('2026-11-30T10:00:00Z');

/**
 * The AWS composition root's base for a function under test: the manifest-derived environment and
 * a fixed clock (at {@link HANDLER_TEST_NOW_MS} unless given), through the same `awsFunctionBase`
 * the Lambda entry point calls.
 *
 * @example const handler = awsEventsHandler(testFunctionBase('events', { clock: recordingClock(NOW) }));
 */
export function testFunctionBase(
  name: FunctionName,
  options: { clock?: Clock; env?: NodeJS.ProcessEnv } = {},
): FunctionBase {
  return awsFunctionBase(name, {
    env: handlerTestEnv(name, options.env),
    clock: options.clock ?? recordingClock(HANDLER_TEST_NOW_MS),
  });
}
