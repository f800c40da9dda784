import { MessageNotInflightError } from './errors';
import { MAX_VISIBILITY_TIMEOUT_SECONDS } from './limits';
import type { StoredMessage } from './stored-message';
import type { LocalQueueCounts } from './types';

/**
 * When a message becomes visible after `changeVisibility(seconds)` at `now` (SQS
 * ChangeMessageVisibility): counted from now, and never more than 12 hours after the receive that
 * hid it — the limit counts from the receive, not from the last change.
 *
 * @throws {MessageNotInflightError} when the message's visibility timeout has already ended
 * @throws {RangeError} when the new timeout would end more than 12 hours after the receive
 */
export function changedVisibleAt(message: StoredMessage, now: number, visibilityTimeoutSeconds: number): number {
  if (message.visibleAt <= now) throw new MessageNotInflightError(message.messageId);
  const visibleAt = now + visibilityTimeoutSeconds * 1000;
  const limit = (message.receivedAt ?? now) + MAX_VISIBILITY_TIMEOUT_SECONDS * 1000;
  if (visibleAt > limit) {
    throw new RangeError(
      `A visibility timeout of ${visibilityTimeoutSeconds} s would end more than 12 hours after the receive (at most ${Math.floor((limit - now) / 1000)} s now)`,
    );
  }
  return visibleAt;
}

/**
 * Visible, in flight and delayed messages at `now`: a hidden message that was received is in
 * flight, one never received is delayed.
 */
export function countsAt(messages: Iterable<StoredMessage>, now: number): LocalQueueCounts {
  const counts: LocalQueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
  for (const message of messages) {
    if (message.visibleAt <= now) counts.visible += 1;
    else if (message.receiveCount > 0) counts.inFlight += 1;
    else counts.delayed += 1;
  }
  return counts;
}

/** The earliest time after `now` at which a hidden message becomes visible; undefined when none is hidden. */
export function nextVisibleAfter(messages: Iterable<StoredMessage>, now: number): number | undefined {
  let next: number | undefined;
  for (const message of messages) {
    if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
  }
  return next;
}
