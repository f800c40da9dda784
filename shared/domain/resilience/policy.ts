import * as z from 'zod';
import { ERROR_CATEGORIES, type ErrorCategory } from './integration-error';

/** How the delay grows with the retry number n (1 for the first retry). */
export const BACKOFF_STRATEGIES = ['linear', 'exponential', 'fibonacci', 'constant'] as const;
/** `linear`: initial × n · `exponential`: initial × 2^(n−1) · `fibonacci`: initial × F(n), F(1)=F(2)=1 · `constant`: initial. */
export type BackoffStrategy = (typeof BACKOFF_STRATEGIES)[number];

/**
 * How randomness spreads retries of many clients apart (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"). Jitter is applied before the cap, so no delay exceeds `maxDelayMs`.
 * - `proportional`: the seed's rule, + 10–20 % of the computed delay;
 * - `full`: uniformly random in [0, computed delay];
 * - `decorrelated`: uniformly random in [initialDelayMs, 3 × previous delay];
 * - `none`: the computed delay exactly.
 */
export const JITTER_MODES = ['proportional', 'full', 'decorrelated', 'none'] as const;
export type JitterMode = (typeof JITTER_MODES)[number];

/** Counting windows of the error counters; a policy's alert is evaluated in one of them. */
export const ALERT_WINDOWS = ['1m', '1h'] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];
/** Length of each counting window, milliseconds. */
export const WINDOW_MS: Readonly<Record<AlertWindow, number>> = { '1m': 60_000, '1h': 3_600_000 };

/**
 * Longest delay a policy may ask for: 12 hours, SQS's ceiling for a message's visibility timeout
 * (ChangeMessageVisibility), which is how the dispatcher waits between deliveries.
 */
export const MAX_POLICY_DELAY_MS = 12 * 60 * 60 * 1000;
/** Most retries a policy may allow. */
export const MAX_POLICY_RETRIES = 100;

/** The policy key of the last step of the lookup, used for errors the classifier could not place. */
export const DEFAULT_POLICY_KEY = 'default';
/** The code the classifier gives an error it does not recognise; such errors use the `default` policy. */
export const UNCLASSIFIED_CODE = 'UNCLASSIFIED';

/**
 * A policy key: an error code (`HTTP_503`, `ThrottlingException`), a category, or `default`.
 * Letters, digits and `_ . : / @ -`, at most 128 characters (codes are identifiers, never messages).
 */
export const PolicyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:/@-]+$/, 'use letters, digits and _ . : / @ - only');

/**
 * An error policy, as `PUT /v1/error-policies/{key}` accepts it. The seed's ErrorPolicy plus
 * `constant` backoff, a jitter mode and the alert window.
 */
export const ErrorPolicySchema = z
  .object({
    /** The category this policy is written for; `permanent` policies never retry. */
    category: z.enum(ERROR_CATEGORIES as [ErrorCategory, ...ErrorCategory[]]),
    /** Retries after the first attempt; an operation makes at most maxRetries + 1 attempts. */
    maxRetries: z.number().int().min(0).max(MAX_POLICY_RETRIES),
    backoffStrategy: z.enum(BACKOFF_STRATEGIES),
    /** Delay before the first retry, milliseconds (and the unit the strategy multiplies). */
    initialDelayMs: z.number().int().min(0).max(MAX_POLICY_DELAY_MS),
    /** Cap of every delay, milliseconds, jitter and Retry-After included. */
    maxDelayMs: z.number().int().min(0).max(MAX_POLICY_DELAY_MS),
    jitter: z.enum(JITTER_MODES).default('proportional'),
    /** What the caller should do instead once retries are exhausted, e.g. `degrade_gracefully`. */
    fallbackAction: PolicyKeySchema.optional(),
    /** Errors per `source:code` within one alert window that raise an `integration.alert` event. */
    alertThreshold: z.number().int().min(1).max(1_000_000_000),
    alertWindow: z.enum(ALERT_WINDOWS).default('1m'),
  })
  .strict()
  .superRefine(
    (policy, ctx) => {
      const { initialDelayMs, maxDelayMs, category, maxRetries } = policy as Partial<Record<string, unknown>>;
      if (typeof initialDelayMs === 'number' && typeof maxDelayMs === 'number' && maxDelayMs < initialDelayMs) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxDelayMs'],
          message: `must be at least initialDelayMs (${initialDelayMs})`,
        });
      }
      if (category === 'permanent' && typeof maxRetries === 'number' && maxRetries > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxRetries'],
          message: 'a permanent error never succeeds on retry: maxRetries must be 0 (use category transient to retry)',
        });
      }
    },
    // Also when other fields failed, so one answer names every problem.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

/** A validated error policy (defaults applied). */
export type ErrorPolicy = z.output<typeof ErrorPolicySchema>;

/** The keys that always have a policy, built in and restorable with DELETE. */
export const BUILT_IN_POLICY_KEYS = ['transient', 'permanent', 'system', DEFAULT_POLICY_KEY] as const;
export type BuiltInPolicyKey = (typeof BUILT_IN_POLICY_KEYS)[number];

/** The seed's defaults, with the seed's 10–20 % jitter and one-minute alert windows. */
export const BUILT_IN_POLICIES: Readonly<Record<BuiltInPolicyKey, ErrorPolicy>> = {
  transient: {
    category: 'transient',
    maxRetries: 5,
    backoffStrategy: 'exponential',
    initialDelayMs: 100,
    maxDelayMs: 30_000,
    jitter: 'proportional',
    alertThreshold: 10,
    alertWindow: '1m',
  },
  permanent: {
    category: 'permanent',
    maxRetries: 0,
    backoffStrategy: 'linear',
    initialDelayMs: 0,
    maxDelayMs: 0,
    jitter: 'proportional',
    alertThreshold: 3,
    alertWindow: '1m',
  },
  system: {
    category: 'system',
    maxRetries: 3,
    backoffStrategy: 'exponential',
    initialDelayMs: 1_000,
    maxDelayMs: 60_000,
    jitter: 'proportional',
    fallbackAction: 'degrade_gracefully',
    alertThreshold: 1,
    alertWindow: '1m',
  },
  default: {
    category: 'transient',
    maxRetries: 3,
    backoffStrategy: 'exponential',
    initialDelayMs: 500,
    maxDelayMs: 15_000,
    jitter: 'proportional',
    alertThreshold: 5,
    alertWindow: '1m',
  },
};

/** Policies stored by operators, keyed by policy key; they take precedence over the built-in ones. */
export type PolicyOverrides = ReadonlyMap<string, ErrorPolicy>;

/** The policy that applies to an error, and why. */
export type ResolvedPolicy = {
  /** The key the policy was found under. */
  key: string;
  policy: ErrorPolicy;
  /** `custom` when an operator stored it, `built-in` otherwise. */
  origin: 'custom' | 'built-in';
};

/** True for `transient`, `permanent`, `system` and `default`. */
export function isBuiltInPolicyKey(key: string): key is BuiltInPolicyKey {
  return (BUILT_IN_POLICY_KEYS as readonly string[]).includes(key);
}

/**
 * Finds the policy for an error: a policy stored under its code, else its category's policy
 * (stored or built in) — except for errors the classifier could not place (code
 * `UNCLASSIFIED`), which fall back to the `default` policy (stored or built in).
 *
 * @param overrides - operator-stored policies by key
 * @param error - the error's code and category
 * @example resolvePolicy(new Map(), { code: 'HTTP_503', category: 'transient' }).key // 'transient'
 */
export function resolvePolicy(
  overrides: PolicyOverrides,
  error: { code: string; category: ErrorCategory },
): ResolvedPolicy {
  const byCode = overrides.get(error.code);
  if (byCode) return { key: error.code, policy: byCode, origin: 'custom' };
  const key: BuiltInPolicyKey = error.code === UNCLASSIFIED_CODE ? DEFAULT_POLICY_KEY : error.category;
  const stored = overrides.get(key);
  return stored
    ? { key, policy: stored, origin: 'custom' }
    : { key, policy: BUILT_IN_POLICIES[key], origin: 'built-in' };
}
