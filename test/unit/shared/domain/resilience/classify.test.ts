import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  DependencyUnavailableError,
  MalformedInputError,
  NotFoundError,
  ValidationError,
} from '../../../../../shared/domain/errors';
import { classifyError, classifyHttpStatus, parseRetryAfterMs } from '../../../../../shared/domain/resilience/classify';
import { ConfigurationError, HttpStatusError } from '../../../../../shared/domain/resilience/errors';
import { IntegrationError } from '../../../../../shared/domain/resilience/integration-error';

const source = 'test:classify';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const now = () => NOW;
const metadata = { httpStatusCode: 400, requestId: 'REQ123', attempts: 3, totalRetryDelay: 250 };

/** The AWS SDK's Node.js errors as the retry middleware lets them out: a Node error with `$metadata` added. */
function sdkNetworkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:8000`), { code, syscall: 'connect', $metadata: {} });
}

describe('classify', () => {
  describe('classifyHttpStatus', () => {
    it('makes 408, 429, 502, 503 and 504 transient', () => {
      // Act / Assess
      for (const status of [408, 429, 502, 503, 504]) expect(classifyHttpStatus(status)).toBe('transient');
    });

    it('makes every other 4xx permanent', () => {
      // Act / Assess
      for (const status of [400, 401, 403, 404, 409, 410, 412, 413, 422, 499]) {
        expect(classifyHttpStatus(status)).toBe('permanent');
      }
    });

    it('makes 500 and the other 5xx system errors', () => {
      // Act / Assess
      for (const status of [500, 501, 505, 599]) expect(classifyHttpStatus(status)).toBe('system');
    });
  });

  describe('parseRetryAfterMs', () => {
    it('reads delta-seconds', () => {
      // Act / Assess
      expect(parseRetryAfterMs('120', NOW)).toBe(120_000);
      expect(parseRetryAfterMs(' 0 ', NOW)).toBe(0);
    });

    it('reads the three HTTP-date formats of RFC 9110', () => {
      // Prepare
      const at = Date.parse('1994-11-06T08:49:07Z');

      // Act / Assess
      expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', at)).toBe(30_000);
      expect(parseRetryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', at)).toBe(30_000);
      expect(parseRetryAfterMs('Sun Nov  6 08:49:37 1994', at)).toBe(30_000);
    });

    it('gives 0 for a date in the past', () => {
      // Act / Assess
      expect(parseRetryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
    });

    it('rejects values that are neither delta-seconds nor an HTTP-date', () => {
      // Act / Assess
      for (const value of ['-1', '1.5', 'soon', '', '2026-03-01T12:00:00Z', 'Sun, 31 Feb 2026 10:00:00 GMT']) {
        expect(parseRetryAfterMs(value, NOW)).toBeUndefined();
      }
    });
  });

  describe('classifyError', () => {
    it('returns an IntegrationError unchanged', () => {
      // Prepare
      const error = new IntegrationError('x', {
        code: 'HTTP_503',
        category: 'transient',
        source: 'elsewhere',
        timestamp: NOW,
      });

      // Act / Assess
      expect(classifyError(error, { source, now })).toBe(error);
    });

    describe('HTTP', () => {
      it('classifies an HttpStatusError by status with code HTTP_<status>', () => {
        // Act
        const unavailable = classifyError(new HttpStatusError(503), { source, now });
        const missing = classifyError(new HttpStatusError(404), { source, now });
        const broken = classifyError(new HttpStatusError(500), { source, now });

        // Assess
        expect(unavailable).toMatchObject({ code: 'HTTP_503', category: 'transient', retryable: true, source });
        expect(missing).toMatchObject({ code: 'HTTP_404', category: 'permanent', retryable: false });
        expect(broken).toMatchObject({ code: 'HTTP_500', category: 'system', retryable: true });
        expect(unavailable.timestamp).toBe(NOW);
      });

      it('reads Retry-After in seconds and as an HTTP-date', () => {
        // Act
        const seconds = classifyError(new HttpStatusError(429, { retryAfter: '7' }), { source, now });
        const date = classifyError(new HttpStatusError(503, { retryAfter: 'Sun, 01 Mar 2026 12:00:42 GMT' }), {
          source,
          now,
        });
        const invalid = classifyError(new HttpStatusError(503, { retryAfter: 'tomorrow' }), { source, now });

        // Assess
        expect(seconds.retryAfterMs).toBe(7_000);
        expect(date.retryAfterMs).toBe(42_000);
        expect(invalid.retryAfterMs).toBeUndefined();
      });

      it('keeps only the origin and path of the URL in the context', () => {
        // Act
        const error = classifyError(
          new HttpStatusError(502, { url: 'https://user:secret@api.example.com/orders/1?apiKey=abc' }),
          { source, now },
        );

        // Assess
        expect(error.context).toEqual({ httpStatusCode: 502, url: 'https://api.example.com/orders/1' });
        expect(JSON.stringify(error)).not.toContain('secret');
        expect(JSON.stringify(error)).not.toContain('abc');
      });

      it('rejects a status outside 100–599 when constructing an HttpStatusError', () => {
        // Act / Assess
        expect(() => new HttpStatusError(42)).toThrow(RangeError);
      });
    });

    describe('AWS SDK v3', () => {
      it('makes DynamoDB throttling transient with the exception name as code', () => {
        // Prepare
        const error = new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: metadata });

        // Act
        const classified = classifyError(error, { source, now });

        // Assess
        expect(classified).toMatchObject({
          code: 'ProvisionedThroughputExceededException',
          category: 'transient',
          retryable: true,
        });
        expect(classified.context).toMatchObject({ httpStatusCode: 400, requestId: 'REQ123' });
        expect(classified.cause).toBe(error);
      });

      it('makes a failed condition permanent', () => {
        // Prepare
        const error = new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: metadata,
        });

        // Act / Assess
        expect(classifyError(error, { source, now })).toMatchObject({
          code: 'ConditionalCheckFailedException',
          category: 'permanent',
          retryable: false,
        });
      });

      it('makes a missing table a system error that is not retried', () => {
        // Prepare
        const error = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: metadata });

        // Act / Assess
        expect(classifyError(error, { source, now })).toMatchObject({
          code: 'ResourceNotFoundException',
          category: 'system',
          retryable: false,
        });
      });

      it('makes an internal server error a system error', () => {
        // Prepare
        const error = new InternalServerError({ message: 'boom', $metadata: { ...metadata, httpStatusCode: 500 } });

        // Act / Assess
        expect(classifyError(error, { source, now })).toMatchObject({
          code: 'InternalServerError',
          category: 'system',
        });
      });

      it('makes ServiceUnavailable, 429 and $retryable errors transient', () => {
        // Prepare
        const unavailable = Object.assign(new Error('x'), {
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
        const tooMany = Object.assign(new Error('x'), { name: 'SlowDownPlease', $metadata: { httpStatusCode: 429 } });
        const retryable = Object.assign(new Error('x'), {
          name: 'SomeModelledError',
          $fault: 'client',
          $retryable: {},
          $metadata: { httpStatusCode: 400 },
        });

        // Act / Assess
        expect(classifyError(unavailable, { source, now }).category).toBe('transient');
        expect(classifyError(tooMany, { source, now }).category).toBe('transient');
        expect(classifyError(retryable, { source, now }).category).toBe('transient');
      });

      it('reads the Retry-After header of the raw response', () => {
        // Prepare
        const error = Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: metadata });
        Object.defineProperty(error, '$response', { value: { statusCode: 400, headers: { 'retry-after': '3' } } });

        // Act / Assess
        expect(classifyError(error, { source, now }).retryAfterMs).toBe(3_000);
      });

      it('makes a network error from the SDK transient with the Node code', () => {
        // Act
        const classified = classifyError(sdkNetworkError('ECONNREFUSED'), { source, now });

        // Assess
        expect(classified).toMatchObject({ code: 'ECONNREFUSED', category: 'transient' });
        expect(classified.context).toMatchObject({ syscall: 'connect' });
      });

      it('makes an SDK request timeout transient with code TIMEOUT', () => {
        // Prepare
        const error = Object.assign(new Error('Connection timed out after 1000 ms'), {
          name: 'TimeoutError',
          $metadata: {},
        });

        // Act / Assess
        expect(classifyError(error, { source, now })).toMatchObject({ code: 'TIMEOUT', category: 'transient' });
      });
    });

    describe('Node.js and fetch', () => {
      let silent: Server;
      let silentUrl: string;
      let closedUrl: string;

      beforeAll(async () => {
        silent = createServer(() => {});
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
        await new Promise((resolve) => closed.close(resolve));
      });

      afterAll(async () => {
        silent.closeAllConnections();
        await new Promise((resolve) => silent.close(resolve));
      });

      it('makes a refused connection transient through undici\u2019s fetch failed cause', async () => {
        // Act
        const thrown = await fetch(closedUrl).catch((e: unknown) => e);
        const classified = classifyError(thrown, { source, now });

        // Assess
        expect(thrown).toBeInstanceOf(TypeError);
        expect(classified).toMatchObject({ code: 'ECONNREFUSED', category: 'transient', retryable: true });
        expect(classified.cause).toBe(thrown);
      });

      it('makes an AbortSignal.timeout expiry transient with code TIMEOUT', async () => {
        // Act
        const thrown = await fetch(silentUrl, { signal: AbortSignal.timeout(50) }).catch((e: unknown) => e);

        // Assess
        expect(classifyError(thrown, { source, now })).toMatchObject({ code: 'TIMEOUT', category: 'transient' });
      });

      it('makes a caller abort permanent with code ABORTED and not retryable', async () => {
        // Prepare
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 20);

        // Act
        const thrown = await fetch(silentUrl, { signal: controller.signal }).catch((e: unknown) => e);

        // Assess
        expect(classifyError(thrown, { source, now })).toMatchObject({
          code: 'ABORTED',
          category: 'permanent',
          retryable: false,
        });
      });

      it('treats an AbortError caused by a timeout as a timeout', () => {
        // Prepare
        const error = Object.assign(new Error('Request aborted'), {
          name: 'AbortError',
          cause: new DOMException('signal timed out', 'TimeoutError'),
        });

        // Act / Assess
        expect(classifyError(error, { source, now }).code).toBe('TIMEOUT');
      });

      it('makes socket and DNS codes transient and resource exhaustion a system error', () => {
        // Act / Assess
        for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']) {
          expect(classifyError(Object.assign(new Error('x'), { code }), { source, now })).toMatchObject({
            code,
            category: 'transient',
          });
        }
        for (const code of ['ENOMEM', 'ERR_MEMORY_ALLOCATION_FAILED', 'ENOSPC', 'EDQUOT']) {
          expect(classifyError(Object.assign(new Error('x'), { code }), { source, now })).toMatchObject({
            code,
            category: 'system',
          });
        }
      });

      it('follows causes up to ten links deep and no further', () => {
        // Prepare
        const wrap = (error: unknown, depth: number): unknown =>
          depth === 0 ? error : new Error('wrapper', { cause: wrap(error, depth - 1) });
        const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

        // Act
        const reachable = classifyError(wrap(reset, 10), { source, now });
        const tooDeep = classifyError(wrap(reset, 11), { source, now });

        // Assess
        expect(reachable.code).toBe('ECONNRESET');
        expect(tooDeep.code).toBe('UNCLASSIFIED');
      });

      it('does not read messages', () => {
        // Prepare
        const error = new Error('ECONNRESET ThrottlingException 503 out of memory');

        // Act / Assess
        expect(classifyError(error, { source, now })).toMatchObject({ code: 'UNCLASSIFIED', category: 'system' });
      });
    });

    describe('our own errors', () => {
      it('makes request errors permanent', () => {
        // Act / Assess
        for (const error of [
          new ValidationError('bad'),
          new MalformedInputError('bad'),
          new NotFoundError('gone'),
          new ConflictError('taken'),
        ]) {
          expect(classifyError(error, { source, now })).toMatchObject({ category: 'permanent', code: error.code });
        }
      });

      it('makes DependencyUnavailableError transient with its Retry-After', () => {
        // Act / Assess
        expect(classifyError(new DependencyUnavailableError('slow down', 4), { source, now })).toMatchObject({
          code: 'dependency-unavailable',
          category: 'transient',
          retryAfterMs: 4_000,
        });
      });

      it('makes a ConfigurationError a system error that is not retried', () => {
        // Act
        const classified = classifyError(
          new ConfigurationError('ERRORS_TABLE is not set', { setting: 'ERRORS_TABLE' }),
          {
            source,
            now,
          },
        );

        // Assess
        expect(classified).toMatchObject({
          code: 'CONFIGURATION_ERROR',
          category: 'system',
          retryable: false,
          context: { setting: 'ERRORS_TABLE' },
        });
      });

      it('makes anything unrecognised a system error with code UNCLASSIFIED', () => {
        // Act / Assess
        for (const thrown of [new RangeError('Array buffer allocation failed'), 'a string', null, 42]) {
          expect(classifyError(thrown, { source, now })).toMatchObject({ code: 'UNCLASSIFIED', category: 'system' });
        }
      });
    });
  });
});
