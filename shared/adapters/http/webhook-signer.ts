import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
// standardwebhooks 1.1.1 is CommonJS (`exports.Webhook = …`); Node's ESM loader, esbuild and vitest all
// expose that assignment as a named export.
import { Webhook } from 'standardwebhooks';
import { systemClock } from '../../ports/clock';

/** The prefix of a serialised symmetric signing secret (Standard Webhooks spec, "Signature scheme"). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** How far `webhook-timestamp` may be from now when verifying, seconds: the 5 minutes every upstream library uses. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** The spec's bounds on a symmetric secret: "at least 24 bytes (192 bits, 512 maximum)". */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Bytes of a secret from {@link generateWebhookSecret}: 32, SHA-256's output length (RFC 2104 §3 discourages HMAC keys shorter than it). */
const GENERATED_SECRET_BYTES = 32;
/** Standard base64 with padding, as the upstream libraries decode it (@stablelib/base64). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * A message id: printable ASCII without spaces, and without `.` — the spec: the id must not "be allowed
 * to include any `.`", since `{msg_id}.{timestamp}.{payload}` is what gets signed.
 */
const MESSAGE_ID = /^[\x21-\x2d\x2f-\x7e]+$/;
/** An integer Unix timestamp in seconds, as `webhook-timestamp` carries it. */
const TIMESTAMP = /^\d{1,15}$/;

/** The three Standard Webhooks headers. */
export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/** Input of {@link signWebhook}. */
export type SignWebhookInput = {
  /**
   * The endpoint's secret, `whsec_` + base64 of 24–64 bytes (the prefix may be omitted). Several
   * secrets sign with each of them, space-separated, for zero-downtime rotation (the spec's reason for
   * the list).
   */
  secret: string | readonly string[];
  /** The message id (idempotency key): the same on every retry of one event; no `.` or whitespace. */
  id: string;
  /** The time of this delivery attempt; sent as whole seconds since the Unix epoch (sub-seconds dropped). */
  timestamp: Date;
  /**
   * The exact body that will be sent: text (signed as its UTF-8 bytes), or the bytes themselves
   * (a MessagePack or CBOR delivery: signed over exactly those bytes).
   */
  payload: string | Uint8Array;
};

/** Input of {@link verifyWebhook}. */
export type VerifyWebhookInput = {
  /** The endpoint's secret (or several, during rotation: any may match), as for {@link signWebhook}. */
  secret: string | readonly string[];
  /** The request's headers; names are matched case-insensitively. */
  headers: Readonly<Record<string, string | undefined>>;
  /**
   * The body exactly as received: its bytes (any format), or the bytes decoded as UTF-8 — never
   * re-serialised JSON.
   */
  payload: string | Uint8Array;
  /** The current time. @default the system clock's */
  now?: Date;
  /**
   * How far the timestamp may be from `now`, seconds; `Infinity` turns the replay check off.
   * @default 300
   */
  toleranceSeconds?: number;
};

/** Why a webhook failed verification (the names the Standard Webhooks test vectors use). */
export type WebhookVerificationFailure =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'bad_signature';

/** The outcome of {@link verifyWebhook}. */
export type WebhookVerification =
  | { ok: true; id: string; timestamp: Date }
  | { ok: false; reason: WebhookVerificationFailure };

/**
 * Signs a webhook per the Standard Webhooks spec: `v1,` + base64(HMAC-SHA256(key, `{id}.{seconds}.{payload}`)),
 * the key being the base64-decoded secret. A text payload is signed by the `standardwebhooks` package
 * (`new Webhook(secret).sign(id, timestamp, payload)`); a byte payload with `node:crypto` over the
 * bytes of `{id}.{seconds}.` followed by the payload's bytes, because the package turns a Buffer
 * into text first (`payload.toString()`), which replaces bytes that are not UTF-8 — a binary
 * body's signature would not cover the bytes sent (standardwebhooks 1.1.1, `Webhook.sign`).
 *
 * @param input - secret(s), message id, attempt time and the exact body
 * @returns the `webhook-id`, `webhook-timestamp` (integer seconds) and `webhook-signature` headers
 * @throws {TypeError} when a secret is not `whsec_`-optional base64 of 24–64 bytes, or the id is empty
 *   or holds `.`, whitespace or non-ASCII characters
 * @throws {RangeError} when the timestamp is an invalid Date or before 1970 (the header is a non-negative integer)
 * @example
 * signWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
 *   timestamp: new Date(1614265330_000), payload: '{"test": 2432232314}' });
 * // { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330',
 * //   'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }
 */
export function signWebhook(input: SignWebhookInput): WebhookHeaders {
  const secrets = secretList(input.secret);
  if (typeof input.id !== 'string' || !MESSAGE_ID.test(input.id)) {
    throw new TypeError('a webhook id is non-empty printable ASCII without ".", spaces or control characters');
  }
  const epochMs = input.timestamp instanceof Date ? input.timestamp.getTime() : Number.NaN;
  if (!Number.isFinite(epochMs) || epochMs < 0) {
    throw new RangeError('a webhook timestamp is a valid Date at or after 1970-01-01T00:00:00Z');
  }
  const seconds = Math.floor(epochMs / 1000);
  const signedAt = new Date(seconds * 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': secrets.map((secret) => signatureOf(secret, input.id, signedAt, input.payload)).join(' '),
  };
}

/**
 * Verifies a Standard Webhooks request, as a receiver must: all three headers present, an integer
 * timestamp within `toleranceSeconds` of `now` (replay protection), and at least one `v1,` signature
 * in the space-separated `webhook-signature` list equal — compared in constant time — to the one
 * computed by the `standardwebhooks` package. Signatures with other version tags (`v1a`, `v2`) are skipped.
 *
 * It does not call the package's `Webhook.verify`, which reads the real clock (no `now`), has no way to
 * turn the tolerance off, parses the timestamp with `parseInt` (so `"12.5"` passes) and reports failures
 * only as message text; the HMAC itself still comes from the package.
 *
 * @param input - secret(s), received headers and body, the current time and the tolerance
 * @returns `{ ok: true, id, timestamp }`, or `{ ok: false, reason }` with one of the failure names
 * @throws {TypeError} when a secret is malformed (a configuration error, not a bad request)
 * @example
 * const result = verifyWebhook({ secret, headers: event.headers, payload: event.body ?? '' });
 * if (!result.ok) return { statusCode: 401, body: result.reason };
 */
export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const secrets = secretList(input.secret);
  const id = header(input.headers, 'webhook-id');
  const timestampHeader = header(input.headers, 'webhook-timestamp');
  const signatureHeader = header(input.headers, 'webhook-signature');
  if (!id || !timestampHeader || !signatureHeader) return { ok: false, reason: 'missing_header' };
  if (!TIMESTAMP.test(timestampHeader)) return { ok: false, reason: 'invalid_timestamp' };

  const seconds = Number(timestampHeader);
  const nowSeconds = Math.floor((input.now ?? systemClock.now()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (nowSeconds - seconds > tolerance) return { ok: false, reason: 'timestamp_too_old' };
  if (seconds - nowSeconds > tolerance) return { ok: false, reason: 'timestamp_too_new' };

  const timestamp = new Date(seconds * 1000);
  const expected = secrets.map((secret) => signatureBytes(signatureOf(secret, id, timestamp, input.payload)));
  const received = signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => signatureBytes(entry));
  const matches = received.some((candidate) =>
    expected.some((wanted) => candidate.length === wanted.length && timingSafeEqual(candidate, wanted)),
  );
  return matches ? { ok: true, id, timestamp } : { ok: false, reason: 'bad_signature' };
}

/**
 * Makes a new signing secret: 32 random bytes from the CSPRNG, base64-encoded, `whsec_`-prefixed — inside
 * the spec's 24–64 byte range for symmetric secrets.
 *
 * @returns e.g. `whsec_3q2+7wAAAAD…=` (50 characters)
 * @example const secret = generateWebhookSecret(); // store it with the subscription, show it once
 */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(GENERATED_SECRET_BYTES).toString('base64')}`;
}

/**
 * `v1,` + base64(HMAC-SHA256(key, `{id}.{seconds}.` + payload)): text by the `standardwebhooks`
 * package, bytes with `node:crypto` over exactly those bytes (see {@link signWebhook}).
 */
function signatureOf(secret: string, id: string, at: Date, payload: string | Uint8Array): string {
  if (typeof payload === 'string') return new Webhook(secret).sign(id, at, payload);
  const key = Buffer.from(
    secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret,
    'base64',
  );
  const seconds = Math.floor(at.getTime() / 1000);
  return `v1,${createHmac('sha256', key).update(`${id}.${seconds}.`, 'utf8').update(payload).digest('base64')}`;
}

/** Checks each secret's shape (the package would accept any base64, even 1 byte) and returns them as a list. */
function secretList(secret: string | readonly string[]): string[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is needed');
  for (const value of secrets) {
    const encoded =
      typeof value === 'string' && value.startsWith(WEBHOOK_SECRET_PREFIX)
        ? value.slice(WEBHOOK_SECRET_PREFIX.length)
        : value;
    const size = typeof encoded === 'string' && BASE64.test(encoded) ? Buffer.from(encoded, 'base64').length : 0;
    if (size < MIN_SECRET_BYTES || size > MAX_SECRET_BYTES) {
      throw new TypeError(
        `a webhook secret is "${WEBHOOK_SECRET_PREFIX}" + base64 of ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes`,
      );
    }
  }
  return secrets;
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The signature part of `v1,<base64>` as bytes of its text (compared as text, like the upstream libraries). */
function signatureBytes(versioned: string): Buffer {
  return Buffer.from(versioned.slice(versioned.indexOf(',') + 1), 'utf8');
}
