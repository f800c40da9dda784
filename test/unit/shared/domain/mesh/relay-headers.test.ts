import { describe, expect, it } from 'vitest';
import {
  forwardedRequestHeaders,
  RELAYED_ANSWER_HEADERS,
  relayedAnswerHeaders,
} from '../../../../../shared/domain/mesh/relay-headers';
import { isCredentialHeader, RoutingRuleSchema } from '../../../../../shared/domain/mesh/routing-rule';

describe('relay-headers', () => {
  describe('forwardedRequestHeaders', () => {
    it("drops the caller's credentials, router-owned and Connection-named headers, and keeps the rest", () => {
      // Prepare
      const inbound = {
        authorization: 'Bearer caller-token',
        cookie: 'sid=caller',
        'x-api-key': 'caller-key',
        'x-amz-security-token': 'caller-session',
        'x-amz-date': '20260101T000000Z',
        connection: 'x-hop',
        'x-hop': '1',
        host: 'api.example',
        'x-mesh-source': 'forged/source',
        accept: 'application/json',
        'x-request-tag': 'kept',
      };

      // Act
      const forwarded = forwardedRequestHeaders(inbound);

      // Assess
      expect(forwarded).toEqual({ accept: 'application/json', 'x-request-tag': 'kept' });
    });
  });

  describe('relayedAnswerHeaders', () => {
    it("drops the upstream's cookies, CORS grants, HSTS and CSP, and sets the sandboxing headers", () => {
      // Prepare
      const upstream = {
        'set-cookie': 'sid=upstream\nother=1',
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'true',
        'strict-transport-security': 'max-age=63072000',
        'content-security-policy': "script-src 'unsafe-inline'",
        'content-security-policy-report-only': "default-src 'self'",
        'x-content-type-options': 'sniff-away',
        'cross-origin-resource-policy': 'cross-origin',
        'transfer-encoding': 'chunked',
        'content-type': 'text/html',
        etag: '"1"',
      };

      // Act
      const relayed = relayedAnswerHeaders(upstream);

      // Assess
      expect(relayed).toEqual({
        'content-type': 'text/html',
        etag: '"1"',
        'content-security-policy': 'sandbox',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(RELAYED_ANSWER_HEADERS).toEqual({
        'content-security-policy': 'sandbox',
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'same-origin',
      });
    });

    it('drops every header that acts on the whole origin (site data, auth challenges, reporting, isolation), keeping Location', () => {
      // Prepare: what a hostile upstream sent in the break-it pass, and more of the same kind
      const upstream = {
        'clear-site-data': '"*"',
        'www-authenticate': 'Basic realm="x"',
        'proxy-authenticate': 'Basic realm="x"',
        refresh: '0;url=https://evil.example',
        link: '<https://evil.example/x.js>; rel=preload',
        'alt-svc': 'h3=":443"; ma=86400',
        'service-worker-allowed': '/',
        'set-cookie2': 'a=1',
        'permissions-policy': 'camera=*',
        'cross-origin-opener-policy': 'unsafe-none',
        'cross-origin-embedder-policy': 'unsafe-none',
        'origin-agent-cluster': '?0',
        'report-to': '{"group":"x"}',
        'reporting-endpoints': 'x="https://evil.example/r"',
        nel: '{"report_to":"x"}',
        'accept-ch': 'Sec-CH-UA-Model',
        location: 'https://elsewhere.example/next',
        'retry-after': '5',
      };

      // Act
      const relayed = relayedAnswerHeaders(upstream);

      // Assess
      expect(relayed).toEqual({
        location: 'https://elsewhere.example/next',
        'retry-after': '5',
        ...RELAYED_ANSWER_HEADERS,
      });
    });
  });
});

describe('routing-rule', () => {
  describe('isCredentialHeader', () => {
    it('names Authorization, Cookie, X-Api-Key and every X-Amz-* header, in any case', () => {
      // Act
      const verdicts = ['Authorization', 'COOKIE', 'x-api-key', 'X-Amz-Date', 'x-amzn-trace-id', 'x-api-keys'].map(
        isCredentialHeader,
      );

      // Assess
      expect(verdicts).toEqual([true, true, true, true, false, false]);
    });
  });

  describe('RoutingRuleSchema', () => {
    it('rejects headersToAdd naming a credential header, naming each one', () => {
      // Act
      const parsed = RoutingRuleSchema.safeParse({
        id: 'r',
        sourceService: '*',
        targetService: 'orders',
        headersToAdd: { Authorization: 'Bearer x', Cookie: 'a=1', 'X-Api-Key': 'k', 'X-Amz-Target': 't', 'x-ok': '1' },
      });

      // Assess
      expect(parsed.success).toBe(false);
      const paths = parsed.error?.issues.map((issue) => issue.path.join('/'));
      expect(paths?.sort()).toEqual(
        [
          'headersToAdd/Authorization',
          'headersToAdd/Cookie',
          'headersToAdd/X-Amz-Target',
          'headersToAdd/X-Api-Key',
        ].sort(),
      );
    });
  });
});
