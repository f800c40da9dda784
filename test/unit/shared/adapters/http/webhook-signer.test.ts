import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '@msgpack/msgpack';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookVerificationFailure,
} from '../../../../../shared/adapters/http/webhook-signer';
import { FIXTURES_DIR } from '../../../../support/fixtures';

type SignVector = {
  id: string;
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  expected_signature: string;
};
type VerifyCase = {
  id: string;
  secret: string;
  now: number;
  payload: string;
  headers: Record<string, string>;
  expect: 'valid' | 'invalid';
  error?: WebhookVerificationFailure;
  ignore_timestamp_tolerance?: boolean;
};
type SecretCase = { secret: string; valid: boolean; origin: string };
type SignErrorCase = { secret: string; msg_id: string; timestamp: string; payload: string; origin: string };
type Vectors = {
  tolerance_seconds: number;
  sign_vectors: SignVector[];
  verify_cases: VerifyCase[];
  secret_cases: SecretCase[];
  sign_error_cases: SignErrorCase[];
};

const vectors = JSON.parse(
  readFileSync(join(FIXTURES_DIR, 'standard-webhooks', 'standard-webhooks-vectors.json'), 'utf8'),
) as Vectors;

const seconds = (unixSeconds: number) => new Date(unixSeconds * 1000);

describe('webhook-signer', () => {
  describe('signWebhook', () => {
    it.each(vectors.sign_vectors.map((v) => [v.id, v] as const))('matches the vector %s', (_id, vector) => {
      // Act
      const headers = signWebhook({
        secret: vector.secret,
        id: vector.msg_id,
        timestamp: seconds(vector.timestamp),
        payload: vector.payload,
      });

      // Assess
      expect(headers).toEqual({
        'webhook-id': vector.msg_id,
        'webhook-timestamp': String(vector.timestamp),
        'webhook-signature': vector.expected_signature,
      });
    });

    it('sends whole seconds, signing a sub-second Date as its whole second', () => {
      // Prepare
      const vector = vectors.sign_vectors[0]!;
      const input = { secret: vector.secret, id: vector.msg_id, payload: vector.payload };

      // Act
      const headers = signWebhook({ ...input, timestamp: new Date(vector.timestamp * 1000 + 999) });

      // Assess
      expect(headers['webhook-timestamp']).toBe(String(vector.timestamp));
      expect(headers['webhook-signature']).toBe(vector.expected_signature);
    });

    it('signs with every secret during rotation, space-separated', () => {
      // Prepare
      const [first, other] = [vectors.sign_vectors[0]!, vectors.sign_vectors.at(-1)!];

      // Act
      const headers = signWebhook({
        secret: [first.secret, other.secret],
        id: first.msg_id,
        timestamp: seconds(first.timestamp),
        payload: first.payload,
      });

      // Assess
      const signatures = headers['webhook-signature'].split(' ');
      expect(signatures).toHaveLength(2);
      expect(signatures[0]).toBe(first.expected_signature);
      for (const secret of [first.secret, other.secret]) {
        const result = verifyWebhook({ secret, headers, payload: first.payload, now: seconds(first.timestamp) });
        expect(result.ok).toBe(true);
      }
    });

    // The upstream cases pass the timestamp as text (PHP's API); ours takes a Date. "invalid timestamp"
    // becomes an invalid Date and "-161426533" a Date before 1970, both refused. "161426533.0" cannot be
    // expressed: as a Date it is the whole second 161426533, and the header we emit is always an integer
    // (see 'sends whole seconds' above), so there is nothing left to refuse.
    const applicableSignErrors = vectors.sign_error_cases.filter((c) => !c.origin.includes('InvalidFloatTimestamp'));

    it.each(applicableSignErrors.map((c) => [c.timestamp, c] as const))('fails for the timestamp %j', (_ts, c) => {
      // Prepare
      const timestamp = new Date(Number(c.timestamp) * 1000);

      // Act / Assess
      expect(() => signWebhook({ secret: c.secret, id: c.msg_id, timestamp, payload: c.payload })).toThrow(RangeError);
    });

    it('leaves out exactly the one upstream sign-error case a Date cannot express', () => {
      // Assess
      expect(vectors.sign_error_cases.length - applicableSignErrors.length).toBe(1);
    });

    it.each(['', 'msg.1', 'msg 1', 'msg_\u00e9', 'msg\n1'])('fails for the message id %j', (id) => {
      // Prepare
      const vector = vectors.sign_vectors[0]!;

      // Act / Assess
      expect(() => signWebhook({ ...vector, id, timestamp: seconds(vector.timestamp) })).toThrow(TypeError);
    });

    it.each(vectors.secret_cases.map((c) => [c.secret, c] as const))(
      'judges the secret %j as the spec does',
      (_s, c) => {
        // Prepare
        const sign = () => signWebhook({ secret: c.secret, id: 'msg_1', timestamp: seconds(1614265330), payload: '' });

        // Act / Assess
        if (c.valid) expect(sign).not.toThrow();
        else expect(sign).toThrow(TypeError);
        // The package agrees on these upstream cases.
        if (c.valid) expect(() => new Webhook(c.secret)).not.toThrow();
        else expect(() => new Webhook(c.secret)).toThrow();
      },
    );

    it.each([
      ['whsec_AAAAAAAAAAAAAAAAAAAAAA==', 'only 16 bytes (the spec asks for at least 24)'],
      [`whsec_${Buffer.alloc(65).toString('base64')}`, '65 bytes (the spec allows at most 64)'],
      ['whsec_not base64!', 'not base64'],
    ])('fails for the secret %j: %s', (secret) => {
      // Act / Assess
      expect(() => signWebhook({ secret, id: 'msg_1', timestamp: seconds(1614265330), payload: '' })).toThrow(
        TypeError,
      );
    });
  });

  describe('verifyWebhook', () => {
    it.each(vectors.verify_cases.map((c) => [c.id, c] as const))('gives the expected outcome for %s', (_id, c) => {
      // Act
      const result = verifyWebhook({
        secret: c.secret,
        headers: c.headers,
        payload: c.payload,
        now: seconds(c.now),
        ...(c.ignore_timestamp_tolerance === true && { toleranceSeconds: Number.POSITIVE_INFINITY }),
      });

      // Assess
      if (c.expect === 'valid') {
        expect(result).toEqual({
          ok: true,
          id: c.headers['webhook-id'] ?? c.headers['WEBHOOK-ID'],
          timestamp: expect.any(Date),
        });
      } else {
        expect(result).toEqual({ ok: false, reason: c.error });
      }
    });

    it('uses the real clock when no time is given', () => {
      // Prepare
      const secret = generateWebhookSecret();
      const headers = signWebhook({ secret, id: 'msg_now', timestamp: new Date(), payload: '{"a":1}' });

      // Act
      const result = verifyWebhook({ secret, headers, payload: '{"a":1}' });

      // Assess
      expect(result.ok).toBe(true);
    });

    it('fails for a malformed secret instead of reporting a bad signature', () => {
      // Prepare
      const c = vectors.verify_cases[0]!;

      // Act / Assess
      expect(() => verifyWebhook({ secret: 'whsec_', headers: c.headers, payload: c.payload })).toThrow(TypeError);
    });
  });

  describe('standardwebhooks Webhook.verify (the package our signatures must satisfy)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    // The package reads Date.now(), so the vectors' fixed "now" is set with fake timers. The two cases
    // with ignore_timestamp_tolerance are left out: Webhook.verify has no option to turn the tolerance
    // off (verifyWebhook covers them with toleranceSeconds: Infinity, above).
    const packageCases = vectors.verify_cases.filter((c) => c.ignore_timestamp_tolerance !== true);

    it('leaves out only the cases that ignore the tolerance', () => {
      // Assess
      expect(vectors.verify_cases.length - packageCases.length).toBe(2);
    });

    it.each(packageCases.map((c) => [c.id, c] as const))('agrees with the vector %s', (_id, c) => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(seconds(c.now));
      const verify = () => new Webhook(c.secret).verify(c.payload, c.headers, { jsonParse: false });

      // Act / Assess
      if (c.expect === 'valid') expect(verify).not.toThrow();
      else expect(verify).toThrow();
    });
  });

  describe('signing bytes (MessagePack and CBOR deliveries)', () => {
    /**
     * The spec's algorithm written out independently of the signer, over bytes: base64 of
     * HMAC-SHA256 keyed with the base64-decoded secret over `{msg_id}.{timestamp}.` then the body's bytes.
     */
    const specSignature = (secret: string, id: string, timestamp: number, body: Uint8Array) =>
      `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
        .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'ascii'), body]))
        .digest('base64')}`;
    // MessagePack of {"n":1,"b":"é"} with bytes that are not UTF-8 (0xc3 alone, 0xcc), as a delivery holds them.
    const binary = Buffer.from(encode({ n: 1, raw: 0xcc, s: 'é' }));

    it.each(vectors.sign_vectors.map((v) => [v.id, v] as const))(
      'signs the UTF-8 bytes of the vector %s as the vector says',
      (_id, vector) => {
        // Act
        const headers = signWebhook({
          secret: vector.secret,
          id: vector.msg_id,
          timestamp: seconds(vector.timestamp),
          payload: Buffer.from(vector.payload, 'utf8'),
        });

        // Assess
        expect(headers['webhook-signature']).toBe(vector.expected_signature);
      },
    );

    it('signs binary bytes over exactly those bytes, as the spec computes it', () => {
      // Prepare
      const [vector] = vectors.sign_vectors as [SignVector];
      expect(isUtf8(binary)).toBe(false);

      // Act
      const headers = signWebhook({
        secret: vector.secret,
        id: vector.msg_id,
        timestamp: seconds(vector.timestamp),
        payload: binary,
      });

      // Assess
      expect(headers['webhook-signature']).toBe(specSignature(vector.secret, vector.msg_id, vector.timestamp, binary));
      // The package, handed the same Buffer, signs its UTF-8 decoding instead (bytes replaced by U+FFFD).
      const library = new Webhook(vector.secret).sign(vector.msg_id, seconds(vector.timestamp), binary);
      expect(library).not.toBe(headers['webhook-signature']);
    });

    it('verifies binary bytes, and fails them when one byte changes', () => {
      // Prepare
      const secret = generateWebhookSecret();
      const at = seconds(1_700_000_000);
      const headers = signWebhook({ secret, id: 'msg_bin', timestamp: at, payload: binary });
      const tampered = Buffer.from(binary);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 1, tampered.length - 1);

      // Act
      const good = verifyWebhook({ secret, headers, payload: binary, now: at });
      const bad = verifyWebhook({ secret, headers, payload: tampered, now: at });

      // Assess
      expect(good).toMatchObject({ ok: true, id: 'msg_bin' });
      expect(bad).toEqual({ ok: false, reason: 'bad_signature' });
    });
  });

  describe('generateWebhookSecret', () => {
    it('makes whsec_ + base64 of 32 random bytes, different every time', () => {
      // Act
      const secrets = Array.from({ length: 20 }, () => generateWebhookSecret());

      // Assess
      for (const secret of secrets) {
        expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
      }
      expect(new Set(secrets).size).toBe(secrets.length);
    });

    it('makes secrets that sign and verify', () => {
      // Prepare
      const secret = generateWebhookSecret();
      const at = seconds(1_700_000_000);

      // Act
      const headers = signWebhook({ secret, id: 'msg_gen', timestamp: at, payload: 'hello' });

      // Assess
      expect(verifyWebhook({ secret, headers, payload: 'hello', now: at })).toMatchObject({ ok: true });
      expect(verifyWebhook({ secret, headers, payload: 'hello!', now: at })).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    });
  });
});
