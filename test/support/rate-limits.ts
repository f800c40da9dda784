import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { BucketState, BucketWrite } from '../../shared/domain/rate-limits/token-bucket';
import type { BucketWriteOutcome, TokenBucketStore } from '../../shared/ports/token-bucket-store';

/**
 * A TokenBucketStore in memory that judges each write's condition as DynamoDB does (atomically, on
 * the state the previous write left), yielding to the event loop first so that concurrent callers
 * interleave; `writes` counts every conditional write, `applied` those that changed a bucket.
 *
 * @example const store = memoryBucketStore(); new RateLimiter({ store, clock });
 */
export function memoryBucketStore(): TokenBucketStore & {
  buckets: Map<string, BucketState & { expiresAt: number }>;
  writes: number;
  applied: number;
} {
  const buckets = new Map<string, BucketState & { expiresAt: number }>();
  const store = {
    buckets,
    writes: 0,
    applied: 0,
    async apply(key: string, write: BucketWrite, expiresAt: number): Promise<BucketWriteOutcome> {
      await new Promise<void>((resolve) => setImmediate(resolve));
      store.writes++;
      const current = buckets.get(key);
      const tat = current?.tat;
      const holds =
        write.phase === 'full'
          ? tat === undefined || tat < write.before
          : tat !== undefined && tat >= write.atLeast && tat <= write.atMost;
      if (!holds) return { applied: false, state: current && { tat: current.tat } };
      const next = write.phase === 'full' ? write.set : (tat as number) + write.add;
      buckets.set(key, { tat: next, expiresAt });
      store.applied++;
      return { applied: true, state: { tat: next } };
    },
  };
  return store;
}

// biome-ignore lint/suspicious/noExplicitAny: the stubs' input/output types are the clients' own
type Stub = AwsStub<any, any, any>;

/** The RateLimits table's name in the handler tests (`handlerTestEnv`: `<id>-test`). */
export const RATE_LIMITS_TEST_TABLE = 'ratelimits-test';

/**
 * Answers the rate limiter's UpdateItems on the mocked document client as DynamoDB would: each
 * write's condition judged on the bucket the previous write left, a failed one thrown as
 * ConditionalCheckFailedException carrying the old item (ALL_OLD). Returns the buckets (`tat` by key).
 *
 * @example const buckets = answerBucketWrites(ddb); // after ddb.reset()
 */
export function answerBucketWrites(ddb: Stub): Map<string, number> {
  const tats = new Map<string, number>();
  ddb
    .on(UpdateCommand, { TableName: RATE_LIMITS_TEST_TABLE })
    .callsFake((input: { Key: { pk: string }; ExpressionAttributeValues: Record<string, number> }) => {
      const key = input.Key.pk;
      const values = input.ExpressionAttributeValues;
      const tat = tats.get(key);
      const full = ':set' in values;
      const holds = full
        ? tat === undefined || tat < (values[':before'] as number)
        : tat !== undefined && tat >= (values[':atLeast'] as number) && tat <= (values[':atMost'] as number);
      if (!holds) {
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          ...(tat !== undefined && { Item: { pk: { S: key }, tat: { N: String(tat) } } }),
        });
      }
      const next = full ? (values[':set'] as number) : (tat as number) + (values[':add'] as number);
      tats.set(key, next);
      return { Attributes: { tat: next } };
    });
  return tats;
}
