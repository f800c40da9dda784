import { checkInteger, MAX_MAX_RECEIVE_COUNT } from './limits';
import type { StoredMessage } from './stored-message';
import type { LocalRedrivePolicy } from './types';

/**
 * A copy of the redrive policy, checked as SQS's RedrivePolicy is.
 *
 * @param queue - the queue the policy is for (it cannot be its own dead-letter queue)
 * @throws {RangeError} when `maxReceiveCount` is not 1–1000 or the dead-letter queue is `queue`
 */
export function checkedRedrivePolicy(policy: LocalRedrivePolicy, queue: object): LocalRedrivePolicy {
  checkInteger('redrivePolicy.maxReceiveCount', policy.maxReceiveCount, 1, MAX_MAX_RECEIVE_COUNT);
  if (policy.deadLetterQueue === queue) throw new RangeError('A queue cannot be its own dead-letter queue');
  return { ...policy };
}

/**
 * Whether the receive about to happen would take the message past `maxReceiveCount`: SQS then moves
 * it to the dead-letter queue instead of returning it.
 */
export function mustRedrive(message: StoredMessage, policy: LocalRedrivePolicy): boolean {
  return message.receiveCount >= policy.maxReceiveCount;
}

/**
 * The message as the dead-letter queue stores it: same id, body, attributes, sent timestamp and
 * receive count, plus `DeadLetterQueueSourceArn`; visible there at `now`, with no receipt handle.
 */
export function redrivenCopy(message: StoredMessage, sourceArn: string, now: number): StoredMessage {
  return {
    ...message,
    deadLetterQueueSourceArn: sourceArn,
    visibleAt: now,
    receiptHandle: undefined,
    receivedAt: undefined,
  };
}
