import { describe, expect, it } from 'vitest';
import {
  type AddressRange,
  assertOutboundAddressRules,
  checkTargetUrl,
  classifyAddress,
  ipLiteral,
  isAddressAllowed,
  isHostAllowlisted,
  isResolvedAddressAllowed,
  type OutboundAddressRules,
} from '../../../../../shared/domain/net/outbound-address-rules';

const DEFAULT_POLICY: OutboundAddressRules = {};

describe('address-policy', () => {
  describe('classifyAddress', () => {
    it.each<[string, AddressRange]>([
      ['169.254.169.254', 'linkLocal'],
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['::1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['fd00::1', 'uniqueLocal'],
      ['fe80::1', 'linkLocal'],
      ['fe80::1%eth0', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.1', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['2002:7f00:1::', '6to4'],
      ['2001::1', 'teredo'],
      ['64:ff9b::7f00:1', 'rfc6052'],
      ['::ffff:0:7f00:1', 'rfc6145'],
      ['::7f00:1', 'ipv4Compatible'],
      ['fec0::1', 'deprecatedSiteLocal'],
      ['93.184.216.34', 'unicast'],
      ['2606:4700::1111', 'unicast'],
    ])('classifies %s as %s', (ip, range) => {
      // Act / Assess
      expect(classifyAddress(ip)).toBe(range);
    });

    it.each<[string, AddressRange]>([
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:a9fe:a9fe', 'linkLocal'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:5db8:d822', 'unicast'],
    ])('judges the IPv4-mapped address %s as its IPv4 address (%s)', (ip, range) => {
      // Act / Assess
      expect(classifyAddress(ip)).toBe(range);
    });

    it.each(['127.1', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '::ffff:0177.0.0.1', '[::1]', 'localhost', ''])(
      'rejects %j, which is not an IP address in net.isIP spelling',
      (ip) => {
        // Act / Assess
        expect(() => classifyAddress(ip)).toThrow(TypeError);
      },
    );
  });

  describe('isAddressAllowed', () => {
    it.each([
      '169.254.169.254',
      '127.0.0.1',
      '::1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      'fd00::1',
      'fe80::1',
      '0.0.0.0',
      '::',
      '224.0.0.1',
      '255.255.255.255',
      '2002:7f00:1::',
      '2002:5db8:d822::',
      '2001::1',
      '64:ff9b::5db8:d822',
      '::7f00:1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      'not-an-ip',
    ])('blocks %s by default', (ip) => {
      // Act / Assess
      expect(isAddressAllowed(ip, DEFAULT_POLICY)).toBe(false);
    });

    it.each(['93.184.216.34', '2606:4700::1111', '::ffff:93.184.216.34'])('allows the public address %s', (ip) => {
      // Act / Assess
      expect(isAddressAllowed(ip, DEFAULT_POLICY)).toBe(true);
    });

    it('allows loopback, and only loopback, with allowLoopback', () => {
      // Prepare
      const policy: OutboundAddressRules = { allowLoopback: true };

      // Act / Assess
      expect(isAddressAllowed('127.0.0.1', policy)).toBe(true);
      expect(isAddressAllowed('::1', policy)).toBe(true);
      expect(isAddressAllowed('::ffff:127.0.0.1', policy)).toBe(true);
      expect(isAddressAllowed('10.0.0.1', policy)).toBe(false);
      expect(isAddressAllowed('169.254.169.254', policy)).toBe(false);
      expect(isAddressAllowed('0.0.0.0', policy)).toBe(false);
    });

    it('allows RFC 1918 and unique-local addresses with allowPrivate, but not link-local or CGNAT', () => {
      // Prepare
      const policy: OutboundAddressRules = { allowPrivate: true };

      // Act / Assess
      expect(isAddressAllowed('10.0.0.1', policy)).toBe(true);
      expect(isAddressAllowed('192.168.1.1', policy)).toBe(true);
      expect(isAddressAllowed('fd12::1', policy)).toBe(true);
      expect(isAddressAllowed('127.0.0.1', policy)).toBe(false);
      expect(isAddressAllowed('fe80::1', policy)).toBe(false);
      expect(isAddressAllowed('100.64.0.1', policy)).toBe(false);
    });

    it('allows addresses inside an allowlisted CIDR or equal to an allowlisted address', () => {
      // Prepare
      const policy: OutboundAddressRules = {
        allowlist: ['10.1.0.0/16', 'fd12:3456::/32', '192.168.7.7', '::ffff:172.20.0.0/112'],
      };

      // Act / Assess
      expect(isAddressAllowed('10.1.200.3', policy)).toBe(true);
      expect(isAddressAllowed('::ffff:10.1.0.1', policy)).toBe(true);
      expect(isAddressAllowed('10.2.0.1', policy)).toBe(false);
      expect(isAddressAllowed('fd12:3456::9', policy)).toBe(true);
      expect(isAddressAllowed('fd12:3457::9', policy)).toBe(false);
      expect(isAddressAllowed('192.168.7.7', policy)).toBe(true);
      expect(isAddressAllowed('192.168.7.8', policy)).toBe(false);
      expect(isAddressAllowed('172.20.3.4', policy)).toBe(true);
    });

    it.each(['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '::ffff:169.254.169.254'])(
      'blocks the credential endpoint %s even when the policy would open its range',
      (ip) => {
        // Prepare
        const policy: OutboundAddressRules = {
          allowPrivate: true,
          allowLoopback: true,
          allowlist: ['169.254.0.0/16', 'fd00::/8', '0.0.0.0/0'],
        };

        // Act / Assess
        expect(isAddressAllowed(ip, policy)).toBe(false);
      },
    );
  });

  describe('isHostAllowlisted / isResolvedAddressAllowed', () => {
    const policy: OutboundAddressRules = { allowlist: ['orders.internal', '*.svc.internal', '10.0.0.0/8'] };

    it('matches host names exactly or by *. suffix, ignoring case and a trailing dot', () => {
      // Act / Assess
      expect(isHostAllowlisted('Orders.Internal.', policy)).toBe(true);
      expect(isHostAllowlisted('a.svc.internal', policy)).toBe(true);
      expect(isHostAllowlisted('a.b.svc.internal', policy)).toBe(true);
      expect(isHostAllowlisted('svc.internal', policy)).toBe(false);
      expect(isHostAllowlisted('evilsvc.internal', policy)).toBe(false);
      expect(isHostAllowlisted('orders.internal.evil.com', policy)).toBe(false);
      expect(isHostAllowlisted('10.0.0.1', policy)).toBe(false);
    });

    it('refuses loopback, link-local and unspecified answers for an allowlisted name unless DNS is trusted', () => {
      // Prepare
      const local = ['127.0.0.1', '::1', '169.254.10.1', 'fe80::1', '0.0.0.0', '::ffff:127.0.0.1'];
      const trusting: OutboundAddressRules = { ...policy, trustAllowlistedDns: true };

      // Act
      const byDefault = local.map((ip) => isResolvedAddressAllowed('orders.internal', ip, policy));
      const trusted = local.map((ip) => isResolvedAddressAllowed('orders.internal', ip, trusting));
      const loopbackOpened = isResolvedAddressAllowed('orders.internal', '127.0.0.1', {
        ...policy,
        allowLoopback: true,
      });

      // Assess
      expect(byDefault).toEqual(local.map(() => false));
      expect(trusted).toEqual(local.map(() => true));
      expect(loopbackOpened).toBe(true);
      expect(isResolvedAddressAllowed('orders.internal', '169.254.169.254', trusting)).toBe(false);
    });

    it('trusts what an allowlisted name resolves to, except credential endpoints', () => {
      // Act / Assess
      expect(isResolvedAddressAllowed('orders.internal', '192.168.3.3', policy)).toBe(true);
      expect(isResolvedAddressAllowed('orders.internal', '169.254.169.254', policy)).toBe(false);
      expect(isResolvedAddressAllowed('other.example', '192.168.3.3', policy)).toBe(false);
      expect(isResolvedAddressAllowed('other.example', '10.3.3.3', policy)).toBe(true);
      expect(isResolvedAddressAllowed('other.example', '93.184.216.34', policy)).toBe(true);
    });
  });

  describe('assertOutboundAddressRules', () => {
    it('accepts CIDRs, addresses, host names and *. suffixes', () => {
      // Act / Assess
      expect(() =>
        assertOutboundAddressRules({ allowlist: ['10.0.0.0/8', '::1', '[fd00::1]', 'db.internal', '*.svc.local'] }),
      ).not.toThrow();
    });

    it('rejects malformed entries, naming each', () => {
      // Act / Assess
      expect(() =>
        assertOutboundAddressRules({ allowlist: ['10.0.0.0/33', '127.1/8', 'bad host', '*.', 'fd00::/129'] }),
      ).toThrow(/"10\.0\.0\.0\/33".*"127\.1\/8".*"bad host".*"\*\.".*"fd00::\/129"/);
    });
  });

  describe('ipLiteral', () => {
    it('unbrackets IPv6 hosts, keeps IPv4 and ignores names', () => {
      // Act / Assess
      expect(ipLiteral('[::1]')).toBe('::1');
      expect(ipLiteral('127.0.0.1')).toBe('127.0.0.1');
      expect(ipLiteral('example.com')).toBeUndefined();
    });
  });

  describe('checkTargetUrl', () => {
    it.each<[string, string]>([
      ['http://2130706433/', '127.0.0.1'],
      ['http://0x7f000001/', '127.0.0.1'],
      ['http://0x7f.1/', '127.0.0.1'],
      ['http://0177.0.0.1/', '127.0.0.1'],
      ['http://127.1/', '127.0.0.1'],
      ['http://127.0.0.1./', '127.0.0.1'],
      ['http://%31%32%37.0.0.1/', '127.0.0.1'],
      ['http://0/', '0.0.0.0'],
      ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
      ['http://[::127.0.0.1]/', '[::7f00:1]'],
    ])('relies on WHATWG URL turning %s into host %s', (url, host) => {
      // Act / Assess
      expect(new URL(url).hostname).toBe(host);
    });

    it.each<[string, AddressRange]>([
      ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
      ['http://127.0.0.1/', 'loopback'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f000001/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0177.0.0.1/', 'loopback'],
      ['http://127.1/', 'loopback'],
      ['http://127.0.0.1./', 'loopback'],
      ['https://127.0.0.1:8443/x', 'loopback'],
      ['http://[::1]/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['http://[::ffff:7f00:1]/', 'loopback'],
      ['http://[::ffff:a9fe:a9fe]/', 'linkLocal'],
      ['http://10.0.0.1/', 'private'],
      ['http://172.16.0.1/', 'private'],
      ['http://192.168.1.1/', 'private'],
      ['http://100.64.0.1/', 'carrierGradeNat'],
      ['http://[fd00::1]/', 'uniqueLocal'],
      ['http://[fe80::1]/', 'linkLocal'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://0/', 'unspecified'],
      ['http://[::]/', 'unspecified'],
      ['http://224.0.0.1/', 'multicast'],
      ['http://255.255.255.255/', 'broadcast'],
      ['http://[2002:7f00:1::]/', '6to4'],
      ['http://[2001::1]/', 'teredo'],
      ['http://[64:ff9b::7f00:1]/', 'rfc6052'],
      ['http://[::127.0.0.1]/', 'ipv4Compatible'],
    ])('refuses %s (%s)', (url, range) => {
      // Act
      const result = checkTargetUrl(url, DEFAULT_POLICY);

      // Assess
      expect(result).toMatchObject({ ok: false, range });
      if (!result.ok) expect(result.reason).toContain(result.address);
    });

    it.each<[string, RegExp]>([
      ['ftp://example.com/', /scheme ftp:/],
      ['file:///etc/passwd', /scheme file:/],
      ['gopher://example.com/', /scheme gopher:/],
      ['http://user:pass@example.com/', /credentials/],
      ['http://user@example.com/', /credentials/],
      ['not a url', /not a valid absolute URL/],
      ['/relative/path', /not a valid absolute URL/],
    ])('refuses %s for its form', (url, reason) => {
      // Act
      const result = checkTargetUrl(url, DEFAULT_POLICY);

      // Assess
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.reason).toMatch(reason);
        expect(result.address).toBeUndefined();
      }
    });

    it.each(['http://93.184.216.34/', 'https://[2606:4700::1111]/hook', 'https://example.com/webhooks?x=1'])(
      'accepts %s (host names are judged when resolved)',
      (url) => {
        // Act
        const result = checkTargetUrl(url, DEFAULT_POLICY);

        // Assess
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.url.href).toBe(new URL(url).href);
      },
    );

    it.each(['http://localhost:8080/', 'http://LOCALHOST./', 'http://api.localhost/'])(
      'refuses %s as loopback without resolving it (RFC 6761 localhost names)',
      (url) => {
        expect(checkTargetUrl(url, DEFAULT_POLICY)).toMatchObject({ ok: false, range: 'loopback' });
        expect(checkTargetUrl(url, { allowLoopback: true }).ok).toBe(true);
      },
    );

    it('accepts loopback literals in every spelling with allowLoopback', () => {
      // Prepare
      const policy: OutboundAddressRules = { allowLoopback: true };

      // Act / Assess
      for (const url of ['http://127.0.0.1:3000/', 'http://2130706433/', 'http://[::1]/', 'http://[::ffff:7f00:1]/']) {
        expect(checkTargetUrl(url, policy).ok).toBe(true);
      }
      expect(checkTargetUrl('http://169.254.169.254/', policy).ok).toBe(false);
    });

    it('accepts addresses of an allowlisted CIDR', () => {
      // Prepare
      const policy: OutboundAddressRules = { allowlist: ['10.20.0.0/16'] };

      // Act / Assess
      expect(checkTargetUrl('http://10.20.1.2:8080/orders', policy).ok).toBe(true);
      expect(checkTargetUrl('http://10.21.1.2:8080/orders', policy).ok).toBe(false);
    });

    it('refuses an allowlisted localhost name unless DNS is trusted or loopback allowed', () => {
      // Prepare
      const rules: OutboundAddressRules = { allowlist: ['dev.localhost'] };

      // Act / Assess
      expect(checkTargetUrl('http://dev.localhost:8080/', rules)).toMatchObject({ ok: false, range: 'loopback' });
      expect(checkTargetUrl('http://dev.localhost:8080/', { ...rules, trustAllowlistedDns: true }).ok).toBe(true);
      expect(checkTargetUrl('http://dev.localhost:8080/', { ...rules, allowLoopback: true }).ok).toBe(true);
    });

    it('rejects http: with requireHttps, after the address check, and accepts https:', () => {
      // Act
      const plain = checkTargetUrl('http://orders.example/', { requireHttps: true });
      const metadata = checkTargetUrl('http://169.254.169.254/', { requireHttps: true });
      const secure = checkTargetUrl('https://orders.example/', { requireHttps: true });

      // Assess
      expect(plain).toEqual({
        ok: false,
        reason: 'scheme http: is not allowed: https: is required outside local mode',
      });
      expect(metadata).toMatchObject({ ok: false, address: '169.254.169.254' });
      expect(secure.ok).toBe(true);
      expect(checkTargetUrl('http://orders.example/', {}).ok).toBe(true);
    });
  });
});
