import { describe, expect, it, vi } from 'vitest';
import type { Resolution } from '../../../../../shared/domain/resilience/decide';
import { HttpStatusError } from '../../../../../shared/domain/resilience/errors';
import type { IntegrationError } from '../../../../../shared/domain/resilience/integration-error';
import { BUILT_IN_POLICIES, type ErrorPolicy, resolvePolicy } from '../../../../../shared/domain/resilience/policy';
import { withRetry } from '../../../../../shared/domain/resilience/with-retry';
import type { Clock } from '../../../../../shared/ports/clock';
import { recordingClock } from '../../../../support/clock';
import { rejectionOf } from '../../../../support/rejection';

const START = Date.parse('2026-03-01T12:00:00Z');

/** A transient policy with small, predictable delays: 10, 20, 40… ms, no jitter. */
const quick: ErrorPolicy = {
  ...BUILT_IN_POLICIES.transient,
  maxRetries: 3,
  initialDelayMs: 10,
  maxDelayMs: 1_000,
  jitter: 'none',
};
const quickPolicies = new Map([['transient', quick]]);

/** An operation that fails with the given errors in turn, then returns `ok`. */
function failing(...errors: unknown[]) {
  const attempts: number[] = [];
  const operation = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors.shift();
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { operation, attempts };
}

describe('withRetry', () => {
  describe('withRetry', () => {
    it('retries transient failures with the policy delays and returns the result', async () => {
      // Prepare
      const clock = recordingClock(START);
      const { operation, attempts } = failing(new HttpStatusError(503), new HttpStatusError(503));

      // Act
      const result = await withRetry(operation, { source: 'test:op', policies: quickPolicies, clock });

      // Assess
      expect(result).toBe('ok');
      expect(attempts).toEqual([1, 2, 3]);
      expect(clock.sleeps).toEqual([10, 20]);
    });

    it('fails with the last classified error after maxRetries retries, attempts and cause kept', async () => {
      // Prepare
      const clock = recordingClock(START);
      const last = new HttpStatusError(503);
      const { operation, attempts } = failing(
        new HttpStatusError(503),
        new HttpStatusError(503),
        new HttpStatusError(503),
        last,
      );

      // Act
      const thrown = await rejectionOf<IntegrationError>(
        withRetry(operation, { source: 'test:op', policies: quickPolicies, clock }),
      );

      // Assess
      expect(attempts).toEqual([1, 2, 3, 4]);
      expect(clock.sleeps).toEqual([10, 20, 40]);
      expect(thrown).toMatchObject({
        name: 'IntegrationError',
        code: 'HTTP_503',
        source: 'test:op',
        context: { attempts: 4, stopReason: 'retries-exhausted', policyKey: 'transient' },
      });
      expect(thrown.cause).toBe(last);
    });

    it('fails at once on a permanent error', async () => {
      // Prepare
      const clock = recordingClock(START);
      const { operation, attempts } = failing(new HttpStatusError(404));

      // Act
      const thrown = withRetry(operation, { source: 'test:op', policies: quickPolicies, clock });

      // Assess
      await expect(thrown).rejects.toMatchObject({
        code: 'HTTP_404',
        context: { attempts: 1, stopReason: 'not-retryable' },
      });
      expect(attempts).toEqual([1]);
      expect(clock.sleeps).toEqual([]);
    });

    it('numbers attempts per call, so interleaved calls do not share counts', async () => {
      // Prepare
      const clock = recordingClock(START);
      const a = failing(new HttpStatusError(503), new HttpStatusError(503));
      const b = failing(new HttpStatusError(503));
      const resolutions: Array<[string, Resolution]> = [];
      const onError = (label: string) => (_e: IntegrationError, resolution: Resolution) => {
        resolutions.push([label, resolution]);
      };

      // Act
      const results = await Promise.all([
        withRetry(a.operation, { source: 'test:a', policies: quickPolicies, clock, onError: onError('a') }),
        withRetry(b.operation, { source: 'test:b', policies: quickPolicies, clock, onError: onError('b') }),
      ]);

      // Assess
      expect(results).toEqual(['ok', 'ok']);
      expect(a.attempts).toEqual([1, 2, 3]);
      expect(b.attempts).toEqual([1, 2]);
      expect(resolutions.map(([label, r]) => [label, r.action === 'retry' && r.retryNumber])).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
      ]);
    });

    it('stops instead of sleeping past the deadline', async () => {
      // Prepare
      const clock = recordingClock(START);
      const { operation, attempts } = failing(...Array.from({ length: 5 }, () => new HttpStatusError(503)));

      // Act
      const thrown = withRetry(operation, {
        source: 'test:op',
        policies: quickPolicies,
        clock,
        deadline: START + 25,
      });

      // Assess
      await expect(thrown).rejects.toMatchObject({
        code: 'HTTP_503',
        context: { attempts: 2, stopReason: 'deadline' },
      });
      expect(clock.sleeps).toEqual([10]);
      expect(attempts).toEqual([1, 2]);
    });

    it('calls onError once per failure with the decision', async () => {
      // Prepare
      const clock = recordingClock(START);
      const onError = vi.fn();
      const { operation } = failing(new HttpStatusError(503), new HttpStatusError(404));

      // Act
      await withRetry(operation, { source: 'test:op', policies: quickPolicies, clock, onError }).catch(() => {});

      // Assess
      expect(onError).toHaveBeenCalledTimes(2);
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'HTTP_503' });
      expect(onError.mock.calls[0]?.[1]).toMatchObject({ action: 'retry', retryNumber: 1, delayMs: 10 });
      expect(onError.mock.calls[1]?.[1]).toMatchObject({ action: 'fail', reason: 'not-retryable' });
    });

    it('runs the fallback with the policy action when the decision is fallback', async () => {
      // Prepare
      const clock = recordingClock(START);
      const system: ErrorPolicy = { ...BUILT_IN_POLICIES.system, maxRetries: 1, initialDelayMs: 5, jitter: 'none' };
      const fallback = vi.fn(async (action: string, error: IntegrationError) => `${action}:${error.code}`);
      const { operation } = failing(new HttpStatusError(500), new HttpStatusError(500));

      // Act
      const result = await withRetry(operation, {
        source: 'test:op',
        policies: new Map([['system', system]]),
        clock,
        fallback,
      });

      // Assess
      expect(result).toBe('degrade_gracefully:HTTP_500');
      expect(fallback.mock.calls[0]?.[1].context).toMatchObject({ attempts: 2, stopReason: 'retries-exhausted' });
      expect(clock.sleeps).toEqual([5]);
    });

    it('fails with the fallback action in the context when no fallback handler is given', async () => {
      // Prepare
      const clock = recordingClock(START);
      const { operation } = failing(new HttpStatusError(500));
      const policies = (error: IntegrationError) => ({
        key: 'custom',
        origin: 'custom' as const,
        policy: { ...resolvePolicy(new Map(), error).policy, maxRetries: 0 },
      });

      // Act
      const thrown = withRetry(operation, { source: 'test:op', policies, clock });

      // Assess
      await expect(thrown).rejects.toMatchObject({
        code: 'HTTP_500',
        context: { stopReason: 'retries-exhausted', fallbackAction: 'degrade_gracefully', policyKey: 'custom' },
      });
    });

    it('stops when the signal aborts during a sleep', async () => {
      // Prepare
      const controller = new AbortController();
      const clock: Clock = { now: () => new Date(START), sleep: () => new Promise(() => {}) };
      const { operation, attempts } = failing(new HttpStatusError(503));

      // Act
      const thrown = withRetry(operation, {
        source: 'test:op',
        policies: quickPolicies,
        clock,
        signal: controller.signal,
        onError: () => controller.abort(),
      });

      // Assess
      await expect(thrown).rejects.toMatchObject({ code: 'HTTP_503', context: { stopReason: 'aborted', attempts: 1 } });
      expect(attempts).toEqual([1]);
    });

    it('fails without an attempt when the signal is already aborted', async () => {
      // Prepare
      const operation = vi.fn(async () => 'ok');

      // Act
      const thrown = withRetry(operation, {
        source: 'test:op',
        policies: quickPolicies,
        clock: recordingClock(START),
        signal: AbortSignal.abort(),
      });

      // Assess
      await expect(thrown).rejects.toMatchObject({ code: 'ABORTED', context: { attempts: 0, stopReason: 'aborted' } });
      expect(operation).not.toHaveBeenCalled();
    });

    it('fails with both errors when the onError hook throws', async () => {
      // Prepare
      const hookError = new Error('metrics down');
      const { operation } = failing(new HttpStatusError(503));

      // Act
      const thrown = await rejectionOf<AggregateError>(
        withRetry(operation, {
          source: 'test:op',
          policies: quickPolicies,
          clock: recordingClock(START),
          onError: async () => {
            throw hookError;
          },
        }),
      );

      // Assess
      expect(thrown).toBeInstanceOf(AggregateError);
      expect(thrown.errors[0]).toMatchObject({ code: 'HTTP_503' });
      expect(thrown.errors[1]).toBe(hookError);
    });

    it('feeds the previous delay to decorrelated jitter', async () => {
      // Prepare
      const clock = recordingClock(START);
      const decorrelated = { ...quick, jitter: 'decorrelated' as const, initialDelayMs: 10 };
      const { operation } = failing(new HttpStatusError(503), new HttpStatusError(503), new HttpStatusError(503));

      // Act
      await withRetry(operation, {
        source: 'test:op',
        policies: new Map([['transient', decorrelated]]),
        clock,
        random: () => 0.999_999,
      });

      // Assess: each delay is just under 3 × the previous one
      expect(clock.sleeps).toEqual([29, 86, 257]);
    });
  });
});
