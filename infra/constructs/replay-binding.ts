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
  /** What this stack's replay names start with: the subscription rule prefix (`replayPhysicalName`). */
  readonly namePrefix: string;
}

/**
 * Lets a function replay the bus archive: sets `EVENT_BUS_ARN` and `EVENT_ARCHIVE_ARN`, grants
 * `events:StartReplay` on this stack's replays (`replay/<namePrefix>*`), this archive and this bus
 * (the source and the destination), and `events:DescribeReplay` on this stack's replays.
 *
 * @returns the IAM grant of StartReplay
 * @example bindReplays(events.function, { eventBus: stateful.eventBus, archive: stateful.eventArchive, namePrefix: 'aif-sub-' });
 */
export function bindReplays(fn: LambdaFunction, binding: ReplaysBinding): Grant {
  fn.addEnvironment('EVENT_BUS_ARN', binding.eventBus.eventBusArn);
  fn.addEnvironment('EVENT_ARCHIVE_ARN', binding.archive.archiveArn);
  const replays = Stack.of(fn).formatArn({
    service: 'events',
    resource: 'replay',
    resourceName: `${binding.namePrefix}*`,
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
    "Replays are named at run time (POST /v1/replays) under this stack's prefix, which the ARN names; a replay ARN holds no bus or archive to narrow it further, and StartReplay is also bound to this archive as its source and this bus as its destination.",
  );
  return grant;
}
