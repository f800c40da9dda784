import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Archive, IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { acknowledgeWildcardResource } from './nag';

/** Props of {@link bindReplays}. */
export interface ReplaysBinding {
  /** The bus whose archive is replayed; replays go back to it (EVENT_BUS_ARN). */
  readonly eventBus: IEventBus;
  /** The bus's archive (EVENT_ARCHIVE_ARN). */
  readonly archive: Pick<Archive, 'archiveArn'>;
}

/**
 * Lets a function replay the bus archive: sets `EVENT_BUS_ARN` and `EVENT_ARCHIVE_ARN`, grants
 * `events:StartReplay` on replays, this archive and this bus (the source and the destination), and
 * `events:DescribeReplay` on replays.
 *
 * @returns the IAM grant of StartReplay
 * @example bindReplays(events.function, { eventBus: stateful.eventBus, archive: stateful.eventArchive });
 */
export function bindReplays(fn: LambdaFunction, binding: ReplaysBinding): Grant {
  fn.addEnvironment('EVENT_BUS_ARN', binding.eventBus.eventBusArn);
  fn.addEnvironment('EVENT_ARCHIVE_ARN', binding.archive.archiveArn);
  const replays = Stack.of(fn).formatArn({
    service: 'events',
    resource: 'replay',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const grant = Grant.addToPrincipal({
    grantee: fn,
    actions: ['events:StartReplay'],
    resourceArns: [replays, binding.archive.archiveArn, binding.eventBus.eventBusArn],
  });
  Grant.addToPrincipal({ grantee: fn, actions: ['events:DescribeReplay'], resourceArns: [replays] });
  acknowledgeWildcardResource(
    fn.role ?? fn,
    replays,
    'Replays are named by API callers at run time (POST /v1/replays), and a replay ARN holds no bus or archive to narrow it by; StartReplay is also bound to this archive as its source and this bus as its destination.',
  );
  return grant;
}
