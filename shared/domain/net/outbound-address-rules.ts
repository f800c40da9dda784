import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The special-purpose range an IP address belongs to, as named by ipaddr.js 2.5.0 (`range()`), plus
 * `ipv4Compatible` for the deprecated `::a.b.c.d` form that ipaddr.js reports as `unicast`.
 *
 * Only `unicast` is an ordinary, globally routed address; every other name is a row of the IANA
 * special-purpose address registries that RFC 6890 established (IPv4 §2.2.2, IPv6 §2.2.3):
 * - IPv4: `unspecified` 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3), `loopback` 127.0.0.0/8
 *   (RFC 1122), `private` 10/8, 172.16/12, 192.168/16 (RFC 1918), `linkLocal` 169.254.0.0/16
 *   (RFC 3927; holds the cloud instance metadata address 169.254.169.254), `carrierGradeNat`
 *   100.64.0.0/10 (shared address space, RFC 6598), `multicast` 224.0.0.0/4 (RFC 5771), `broadcast`
 *   255.255.255.255/32 (RFC 919), `reserved` 192.0.0.0/24 (RFC 6890), the TEST-NETs 192.0.2.0/24,
 *   198.51.100.0/24, 203.0.113.0/24 (RFC 5737), 198.18.0.0/15 (benchmarking, RFC 2544), 192.88.99.0/24
 *   (6to4 relay anycast, RFC 7526) and 240.0.0.0/4 (RFC 1112), `as112` (RFC 7534/7535), `amt` (RFC 7450);
 * - IPv6: `unspecified` ::/128 and `loopback` ::1/128 (RFC 4291 §2.5.2–2.5.3), `linkLocal` fe80::/10
 *   (RFC 4291 §2.5.6), `uniqueLocal` fc00::/7 (RFC 4193), `multicast` ff00::/8 (RFC 4291 §2.7),
 *   `ipv4Mapped` ::ffff:0:0/96 (RFC 4291 §2.5.5.2 — never returned: such addresses are judged as their
 *   IPv4 address), `ipv4Compatible` ::/96 (deprecated, RFC 4291 §2.5.5.1), `rfc6145` ::ffff:0:0:0/96
 *   (IPv4-translated, RFC 6145), `rfc6052` 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64, RFC 6052 / RFC 8215),
 *   `6to4` 2002::/16 (RFC 3056), `teredo` 2001::/32 (RFC 4380), `benchmarking` 2001:2::/48 (RFC 5180),
 *   `reserved` 2001::/23 (RFC 2928), 2001:db8::/32 (documentation, RFC 3849) and 3fff::/20 (RFC 9637),
 *   `deprecatedSiteLocal` fec0::/10 (RFC 3879), `discard` 100::/64 (RFC 6666), `amt`, `as112v6`,
 *   `deprecatedOrchid`, `orchid2`, `droneRemoteIdProtocolEntityTags`, `segmentRouting` (RFC 9602).
 */
export type AddressRange =
  | 'unicast'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'linkLocal'
  | 'loopback'
  | 'carrierGradeNat'
  | 'private'
  | 'reserved'
  | 'as112'
  | 'amt'
  | 'uniqueLocal'
  | 'ipv4Mapped'
  | 'ipv4Compatible'
  | 'rfc6145'
  | 'rfc6052'
  | '6to4'
  | 'teredo'
  | 'benchmarking'
  | 'as112v6'
  | 'deprecatedSiteLocal'
  | 'discard'
  | 'deprecatedOrchid'
  | 'orchid2'
  | 'droneRemoteIdProtocolEntityTags'
  | 'segmentRouting';

/**
 * Which outbound destinations the framework may dial (webhook delivery, service-mesh forwarding).
 *
 * By default only `unicast` addresses pass (see {@link isAddressAllowed}). The flags and the allowlist
 * open exceptions; none of them opens the cloud credential endpoints (see {@link isAddressAllowed}).
 */
export type OutboundAddressRules = {
  /**
   * Allow `loopback` (127.0.0.0/8, ::1). For the local runner and tests only: in Lambda the Runtime API
   * (`AWS_LAMBDA_RUNTIME_API`, 127.0.0.1:9001) and extensions such as the Parameters and Secrets
   * extension (localhost:2773) listen on loopback.
   * @default false
   */
  allowLoopback?: boolean;
  /**
   * Allow RFC 1918 `private` IPv4 (10/8, 172.16/12, 192.168/16) and RFC 4193 `uniqueLocal` IPv6
   * (fc00::/7), e.g. for service-mesh instances inside a VPC. Link-local, CGNAT and the rest stay blocked.
   * @default false
   */
  allowPrivate?: boolean;
  /**
   * Explicit exceptions, each one of:
   * - a CIDR, `10.1.0.0/16` or `fd12:3456::/48` — addresses inside pass whatever their range;
   * - an IP address, `10.1.2.3` or `fd12::7` — that address passes (same as /32 or /128);
   * - a host name, `orders.internal`, or `*.svc.internal` for any subdomain (not the apex) — a name that
   *   matches (case-insensitive, trailing dot ignored) is trusted: the addresses it resolves to are not
   *   judged (see {@link isHostAllowlisted}). Write IPv4 ranges in IPv4 form: IPv4-mapped addresses are
   *   judged as IPv4, so `::ffff:10.0.0.0/104` matches nothing.
   * @default []
   */
  allowlist?: readonly string[];
  /**
   * Let an allowlisted host name resolve to loopback, link-local and unspecified addresses too. Off,
   * an allowlisted name is trusted for every other range (private, unique-local, CGNAT…: the internal
   * addresses an operator allowlists a name for), but a DNS answer of 127.0.0.1, ::1, 169.254.x.x,
   * fe80::/10 or 0.0.0.0 is refused unless `allowLoopback` or an allowlisted CIDR opens it: a name's
   * DNS can change under the operator (a lapsed domain, a compromised zone). The credential endpoints
   * stay refused either way.
   * @default false
   */
  trustAllowlistedDns?: boolean;
  /**
   * Refuse `http:` destinations ({@link checkTargetUrl}): deployed functions require `https:` for
   * instances and webhooks (OUTBOUND_REQUIRE_HTTPS, on by default); the local runner turns it off.
   * @default false
   */
  requireHttps?: boolean;
};

/** Ranges an allowlisted host name may resolve to only with `trustAllowlistedDns` (or another rule opening them). */
const NEVER_TRUSTED_FROM_DNS: ReadonlySet<AddressRange> = new Set(['loopback', 'linkLocal', 'unspecified']);

/**
 * The cloud credential endpoints: never a legitimate webhook or service target, so no flag and no
 * allowlist entry opens them. AWS EC2 instance metadata 169.254.169.254 and fd00:ec2::254 (EC2 User Guide,
 * "Access instance metadata"); ECS task metadata and credentials 169.254.170.2 (ECS Developer Guide, "Task
 * IAM role"); EKS Pod Identity agent 169.254.170.23 and fd00:ec2::23 (EKS User Guide); Alibaba Cloud
 * metadata 100.100.100.200 (inside 100.64/10, which an allowlist might open). GCP and Azure use 169.254.169.254.
 */
const CREDENTIAL_ENDPOINTS: ReadonlySet<string> = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  '100.100.100.200',
  'fd00:ec2::254',
  'fd00:ec2::23',
]);

/** A host label: letters, digits, hyphens, underscores (seen in service names), 1–63 characters. */
const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}$/;

type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** One parsed allowlist entry. */
type AllowlistEntry =
  | { kind: 'cidr'; range: [ParsedAddress, number] }
  | { kind: 'host'; name: string }
  | { kind: 'suffix'; suffix: string }
  | { kind: 'invalid'; entry: string };

/**
 * Parses an address in the spelling Node.js itself treats as an IP (`net.isIP`): dotted-quad IPv4 with
 * no leading zeros, or IPv6 (with an optional `%zone`); IPv4-mapped IPv6 comes back as its IPv4 address.
 * Other spellings (`127.1`, `0x7f.0.0.1`, `::ffff:0177.0.0.1`) are refused, because parsers disagree on
 * them (ipaddr.js reads that last one as 177.0.0.1, inet_pton rejects it).
 */
function parseStrict(ip: string): ParsedAddress | undefined {
  if (typeof ip !== 'string' || isIP(ip) === 0) return undefined;
  try {
    return ipaddr.process(ip);
  } catch {
    return undefined;
  }
}

function rangeOf(address: ParsedAddress): AddressRange {
  const range = address.range() as AddressRange;
  // ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated) is not in ipaddr.js's table; :: and ::1 matched earlier.
  if (range === 'unicast' && address instanceof ipaddr.IPv6 && address.parts.slice(0, 6).every((part) => part === 0)) {
    return 'ipv4Compatible';
  }
  return range;
}

/**
 * Names the special-purpose range of an IP address (RFC 6890 registries, as tabled by ipaddr.js).
 *
 * IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, `::ffff:7f00:1`) are judged as their IPv4 address
 * (`ipaddr.process`), because the socket layer dials them as IPv4. The IPv6 transition forms whose IPv4
 * address ipaddr.js does not expose — 6to4, Teredo, NAT64, IPv4-translated, IPv4-compatible — keep
 * their own range name (and are therefore blocked by {@link isAddressAllowed}).
 *
 * @param ip - an address as `net.isIP` accepts it: `127.0.0.1`, `::1`, `fe80::1%eth0` (no brackets,
 *   no shorthand IPv4 such as `127.1`)
 * @returns the range name; `unicast` for an ordinary global address
 * @throws {TypeError} when `ip` is not an IP address in that spelling
 * @example
 * classifyAddress('169.254.169.254'); // 'linkLocal'
 * classifyAddress('::ffff:7f00:1');   // 'loopback'
 * classifyAddress('93.184.216.34');   // 'unicast'
 */
export function classifyAddress(ip: string): AddressRange {
  const address = parseStrict(ip);
  if (!address) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  return rangeOf(address);
}

function normaliseHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}

function isHostName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
}

function parseAllowlistEntry(raw: string): AllowlistEntry {
  const entry = raw.trim();
  if (entry.includes('/')) {
    const [address, prefix] = entry.split('/') as [string, string];
    const parsed = parseStrict(address);
    if (!parsed || !/^\d{1,3}$/.test(prefix)) return { kind: 'invalid', entry: raw };
    const bits = Number(prefix);
    const mapped = parsed.kind() === 'ipv4' && isIP(address) === 6;
    // An IPv4-mapped CIDR (::ffff:a.b.c.d/104) becomes the IPv4 CIDR it denotes.
    const width = mapped ? bits - 96 : bits;
    if (width < 0 || width > (parsed.kind() === 'ipv4' ? 32 : 128)) return { kind: 'invalid', entry: raw };
    return { kind: 'cidr', range: [parsed, width] };
  }
  const unbracketed = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  const address = parseStrict(unbracketed);
  if (address) return { kind: 'cidr', range: [address, address.kind() === 'ipv4' ? 32 : 128] };
  const name = normaliseHost(entry);
  if (name.startsWith('*.') && isHostName(name.slice(2))) return { kind: 'suffix', suffix: name.slice(1) };
  if (isHostName(name)) return { kind: 'host', name };
  return { kind: 'invalid', entry: raw };
}

function allowlistEntries(rules: OutboundAddressRules): AllowlistEntry[] {
  return (rules.allowlist ?? []).map(parseAllowlistEntry);
}

function inAllowlist(address: ParsedAddress, entries: readonly AllowlistEntry[]): boolean {
  return entries.some(
    (entry) => entry.kind === 'cidr' && entry.range[0].kind() === address.kind() && address.match(entry.range),
  );
}

function isCredentialEndpoint(address: ParsedAddress): boolean {
  // toNormalizedString would spell IPv6 in full; toString is RFC 5952-like and drops the zone.
  const text = address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString();
  return CREDENTIAL_ENDPOINTS.has(text.replace(/%.*$/, ''));
}

/** Why an address is refused, or undefined when it is allowed. */
function refusal(address: ParsedAddress, rules: OutboundAddressRules): string | undefined {
  const range = rangeOf(address);
  if (isCredentialEndpoint(address)) return 'a cloud credential endpoint';
  if (inAllowlist(address, allowlistEntries(rules))) return undefined;
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && rules.allowLoopback === true) return undefined;
  if ((range === 'private' || range === 'uniqueLocal') && rules.allowPrivate === true) return undefined;
  return range;
}

/**
 * Tells whether the framework may dial an IP address.
 *
 * Rules, in order (RFC 6890 special-purpose registries via {@link classifyAddress}):
 * 1. not an IP address in `net.isIP` spelling → refused (fail closed);
 * 2. a cloud credential endpoint (169.254.169.254, fd00:ec2::254, ECS 169.254.170.2, EKS Pod Identity
 *    169.254.170.23 / fd00:ec2::23, Alibaba 100.100.100.200) → refused, whatever the rules say;
 * 3. inside an allowlisted CIDR or equal to an allowlisted address → allowed;
 * 4. `unicast` → allowed;
 * 5. `loopback` with `allowLoopback`, `private`/`uniqueLocal` with `allowPrivate` → allowed;
 * 6. anything else — link-local, CGNAT, multicast, broadcast, unspecified, reserved, 6to4, Teredo,
 *    NAT64 and other transition forms, and any range name ipaddr.js adds later → refused.
 *
 * Host-name allowlist entries play no part here: see {@link isHostAllowlisted}.
 *
 * @param ip - an address such as `dns.lookup` returns it (`10.0.0.1`, `::1`)
 * @param rules - the exceptions to the default
 * @returns true when the address may be dialled
 * @example
 * isAddressAllowed('10.0.0.1', {});                            // false
 * isAddressAllowed('10.0.0.1', { allowlist: ['10.0.0.0/8'] }); // true
 * isAddressAllowed('169.254.169.254', { allowlist: ['169.254.0.0/16'] }); // false: credential endpoint
 */
export function isAddressAllowed(ip: string, rules: OutboundAddressRules): boolean {
  const address = parseStrict(ip);
  return address !== undefined && refusal(address, rules) === undefined;
}

/**
 * Tells whether a host name matches a host-name entry of the rules' allowlist: `orders.internal`
 * matches itself, `*.svc.internal` matches `a.svc.internal` and `a.b.svc.internal` but not
 * `svc.internal`. Case and a trailing dot are ignored; IP and CIDR entries never match a name.
 *
 * A matching name is trusted: the client dials whatever it resolves to, except the cloud credential
 * endpoints and — unless `trustAllowlistedDns` — loopback, link-local and unspecified addresses (see
 * {@link isResolvedAddressAllowed}). Use it for names whose DNS the operator controls.
 *
 * @param hostname - a host name as in `URL.hostname`
 * @param rules - the rules whose allowlist is searched
 * @returns true when an entry matches
 * @example isHostAllowlisted('Orders.Internal.', { allowlist: ['orders.internal'] }) // true
 */
export function isHostAllowlisted(hostname: string, rules: OutboundAddressRules): boolean {
  const name = normaliseHost(hostname);
  return allowlistEntries(rules).some(
    (entry) =>
      (entry.kind === 'host' && entry.name === name) ||
      (entry.kind === 'suffix' && name.endsWith(entry.suffix) && name.length > entry.suffix.length),
  );
}

/**
 * Tells whether the framework may dial an address that a host name resolved to: the connect-time
 * check. For a name that {@link isHostAllowlisted} trusts, every address passes except the cloud
 * credential endpoints and, unless `trustAllowlistedDns`, loopback, link-local and unspecified
 * addresses that {@link isAddressAllowed} refuses too (`allowLoopback` or an allowlisted CIDR still
 * opens them); for any other name the address must pass {@link isAddressAllowed}.
 *
 * @param hostname - the name that was resolved (`URL.hostname`)
 * @param ip - one address it resolved to, as `dns.lookup` returns it
 * @param rules - the exceptions to the default
 * @returns true when that address may be dialled for that name
 * @example
 * isResolvedAddressAllowed('localhost', '127.0.0.1', {});                               // false
 * isResolvedAddressAllowed('db.internal', '10.0.0.5', { allowlist: ['db.internal'] }); // true
 * isResolvedAddressAllowed('db.internal', '127.0.0.1', { allowlist: ['db.internal'] }); // false
 */
export function isResolvedAddressAllowed(hostname: string, ip: string, rules: OutboundAddressRules): boolean {
  const address = parseStrict(ip);
  if (!address) return false;
  if (isHostAllowlisted(hostname, rules)) return allowedForTrustedName(address, rules);
  return refusal(address, rules) === undefined;
}

/** An allowlisted name's address: anything but a credential endpoint, and loopback/link-local/unspecified only when opened. */
function allowedForTrustedName(address: ParsedAddress, rules: OutboundAddressRules): boolean {
  if (isCredentialEndpoint(address)) return false;
  if (rules.trustAllowlistedDns === true || !NEVER_TRUSTED_FROM_DNS.has(rangeOf(address))) return true;
  return refusal(address, rules) === undefined;
}

/**
 * Checks the rules once, at configuration time, so that a typo does not silently block (or, worse, seem
 * to allow) a destination.
 *
 * @param rules - the rules to check
 * @throws {TypeError} naming every allowlist entry that is neither a CIDR (`10.0.0.0/8`; the address in
 *   `net.isIP` spelling, prefix within 32 or 128), an IP address, a host name nor a `*.` host suffix
 * @example assertOutboundAddressRules({ allowlist: ['10.0.0.0/33'] }); // throws TypeError
 */
export function assertOutboundAddressRules(rules: OutboundAddressRules): void {
  const invalid = allowlistEntries(rules).flatMap((entry) => (entry.kind === 'invalid' ? [entry.entry] : []));
  if (invalid.length > 0) {
    throw new TypeError(
      `invalid outbound address rules allowlist entries: ${invalid.map((e) => JSON.stringify(e)).join(', ')}`,
    );
  }
}

/** The outcome of {@link checkTargetUrl}. */
export type TargetUrlCheck =
  | { ok: true; url: URL }
  | {
      ok: false;
      /** Why, in words fit for a log or a problem detail (it holds the address, never the URL's query). */
      reason: string;
      /** The refused address, when the URL's host is an IP literal (canonical form, no brackets). */
      address?: string;
      /** That address's range, when it has one. */
      range?: AddressRange;
    };

/**
 * Checks a destination URL before any socket is opened: it must parse, use `http:` or `https:`
 * (only `https:` with `requireHttps`), carry no credentials (`user:pass@`), and — when its host is
 * an IP literal or a `localhost` name — name an address {@link isAddressAllowed} accepts (an
 * allowlisted `localhost` name only with `trustAllowlistedDns`). Host names pass here; their addresses are judged when they are
 * resolved (the HTTP client's connect-time lookup), since DNS can change between check and use.
 *
 * The host is read after WHATWG URL parsing, which already turns every IPv4 spelling into dotted
 * decimal (`http://2130706433/`, `http://0x7f.1/`, `http://0177.0.0.1/`, `http://127.1/`,
 * `http://127.0.0.1./` all have host `127.0.0.1`) and IPv6 into its compressed form
 * (`[::ffff:127.0.0.1]` → `[::ffff:7f00:1]`), so no spelling escapes the check.
 *
 * @param url - the absolute destination URL
 * @param rules - the exceptions to the default
 * @returns `{ ok: true, url }` with the parsed URL, or `{ ok: false, reason, address?, range? }`
 * @example
 * checkTargetUrl('http://169.254.169.254/latest/meta-data', {});
 * // { ok: false, reason: 'address 169.254.169.254 is a cloud credential endpoint', address: '169.254.169.254', range: 'linkLocal' }
 */
export function checkTargetUrl(url: string, rules: OutboundAddressRules): TargetUrlCheck {
  if (typeof url !== 'string' || !URL.canParse(url)) return { ok: false, reason: 'not a valid absolute URL' };
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: `scheme ${parsed.protocol} is not allowed (http: or https: only)` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  }
  const refused = refusedHost(parsed, rules);
  if (refused) return refused;
  if (rules.requireHttps === true && parsed.protocol === 'http:') {
    return { ok: false, reason: 'scheme http: is not allowed: https: is required outside local mode' };
  }
  return { ok: true, url: parsed };
}

/** The refusal of a URL's host when it is an IP literal or a `localhost` name the rules do not open. */
function refusedHost(parsed: URL, rules: OutboundAddressRules): Extract<TargetUrlCheck, { ok: false }> | undefined {
  const host = parsed.hostname.replace(/\.$/, '').toLowerCase();
  // RFC 6761 §6.3: `localhost` and `*.localhost` names are loopback wherever they resolve.
  const literal =
    ipLiteral(parsed.hostname) ?? (host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : undefined);
  if (literal === undefined) return undefined;
  if (literal === '127.0.0.1' && !isIP(parsed.hostname) && isHostAllowlisted(host, rules) && rules.trustAllowlistedDns)
    return undefined;
  const address = parseStrict(literal);
  if (!address) return { ok: false, reason: `host ${parsed.hostname} is not a valid IP address` };
  const why = refusal(address, rules);
  if (why === undefined) return undefined;
  return { ok: false, reason: `address ${literal} is ${articled(why)}`, address: literal, range: rangeOf(address) };
}

/**
 * The IP address a WHATWG `URL.hostname` denotes, without brackets, or undefined for a host name.
 *
 * @param hostname - `URL.hostname` (`127.0.0.1`, `[::1]`, `example.com`)
 * @returns the bare address (`::1`) or undefined
 * @example ipLiteral('[::1]') // '::1'
 */
export function ipLiteral(hostname: string): string | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return isIP(hostname) === 4 ? hostname : undefined;
}

function articled(why: string): string {
  if (why.startsWith('a ')) return why;
  return `${/^[aeiou]/i.test(why) ? 'an' : 'a'} ${why} address`;
}
