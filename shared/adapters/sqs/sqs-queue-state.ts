import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Clock, nowMs } from '../../ports/clock';
import type { QueueRole, QueueState, QueueStateReader } from '../../ports/queue-state';
import { rethrowAwsError } from '../aws/rethrow';

/** One queue the reader reports: its role and URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export type SqsQueueRef = { readonly role: QueueRole; readonly url: string };

/** How far back the oldest-message age is looked for: SQS publishes its metrics once a minute. */
export const OLDEST_AGE_LOOKBACK_MS = 15 * 60_000;

const DEPTH_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * QueueStateReader on SQS and CloudWatch. The counts come from SQS GetQueueAttributes (one call per
 * queue, live, approximate as SQS states them). The oldest message's age is not a queue attribute:
 * it is the `AWS/SQS` metric `ApproximateAgeOfOldestMessage` (dimension `QueueName`, statistic
 * Maximum, period 60 s), read for every queue in one CloudWatch GetMetricData call over the last
 * {@link OLDEST_AGE_LOOKBACK_MS} — the newest datapoint, so it lags the queue by the metric's one to
 * a few minutes, and is null when CloudWatch has none (an empty queue stops reporting after a while).
 *
 * @example
 * new SqsQueueStateReader(sqs, cloudWatch, [{ role: 'delivery', url: config.DELIVERY_QUEUE_URL }], systemClock)
 */
export class SqsQueueStateReader implements QueueStateReader {
  /**
   * @param sqs - built once per cold start
   * @param cloudWatch - built once per cold start
   * @param queues - the queues, in the order they are reported
   */
  constructor(
    private readonly sqs: SQSClient,
    private readonly cloudWatch: CloudWatchClient,
    private readonly queues: readonly SqsQueueRef[],
    private readonly clock: Clock,
  ) {}

  /**
   * @throws {DependencyUnavailableError} when SQS or CloudWatch throttles or is unreachable
   * @throws the SDK's error for anything else (a missing queue, access denied): a deployment defect
   */
  async read(): Promise<QueueState[]> {
    const [counts, ages] = await Promise.all([Promise.all(this.queues.map((q) => this.counts(q))), this.oldestAges()]);
    return this.queues.map((queue, index) => ({
      queue: queue.role,
      ...counts[index]!,
      oldestMessageAgeSeconds: ages[index] ?? null,
    }));
  }

  private async counts(queue: SqsQueueRef): Promise<Omit<QueueState, 'queue' | 'oldestMessageAgeSeconds'>> {
    try {
      const out = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: [...DEPTH_ATTRIBUTES] }),
      );
      const attribute = (name: (typeof DEPTH_ATTRIBUTES)[number]) => Number(out.Attributes?.[name] ?? 0);
      return {
        visible: attribute('ApproximateNumberOfMessages'),
        inFlight: attribute('ApproximateNumberOfMessagesNotVisible'),
        delayed: attribute('ApproximateNumberOfMessagesDelayed'),
      };
    } catch (error) {
      rethrowAwsError(error, { source: 'sqs', what: `SQS queue ${queueNameOf(queue.url)}` });
    }
  }

  /** The newest ApproximateAgeOfOldestMessage of each queue, seconds, by queue index. */
  private async oldestAges(): Promise<Array<number | undefined>> {
    const end = nowMs(this.clock);
    const queries: MetricDataQuery[] = this.queues.map((queue, index) => ({
      Id: `age${index}`,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateAgeOfOldestMessage',
          Dimensions: [{ Name: 'QueueName', Value: queueNameOf(queue.url) }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
      ReturnData: true,
    }));
    try {
      const out = await this.cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(end - OLDEST_AGE_LOOKBACK_MS),
          EndTime: new Date(end),
          ScanBy: 'TimestampDescending',
        }),
      );
      const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values?.[0]]));
      return queries.map((q) => {
        const value = byId.get(q.Id);
        return value === undefined ? undefined : Math.round(value);
      });
    } catch (error) {
      rethrowAwsError(error, { source: 'cloudwatch', what: 'CloudWatch GetMetricData' });
    }
  }
}

/**
 * The queue name of an SQS queue URL (its last path segment).
 *
 * @example queueNameOf('https://sqs.eu-west-1.amazonaws.com/123456789012/aif-delivery') // 'aif-delivery'
 */
export function queueNameOf(url: string): string {
  return url.replace(/\/+$/, '').split('/').pop() ?? url;
}
