import type { Node } from 'constructs';

/**
 * The WAFv2 web ACL in front of the stage (context `waf`, default on; `-c waf=false` leaves it
 * out): AWS's managed common and known-bad-inputs rule groups, and two rate-based rules.
 */
export type WafSettings = {
  /** Requests one source IP may send per 5 minutes before WAF blocks it (context `wafIpRateLimit`). @default 2000 */
  ipRateLimit: number;
  /**
   * Requests one `Authorization` value (one token, one caller) may send per 5 minutes (context
   * `wafTokenRateLimit`). @default 1000
   */
  tokenRateLimit: number;
};

/**
 * A custom domain with mutual TLS (context `domainName`, `domainCertificateArn`, and for mTLS
 * `mtlsTruststoreUri`, optionally `mtlsTruststoreVersion`). With a domain the default
 * execute-api endpoint is disabled: callers must come through the domain (and present a client
 * certificate the truststore trusts, when mTLS is on). TLS 1.2 is the minimum.
 */
export type DomainSettings = {
  domainName: string;
  /** An ACM certificate for `domainName`, in the stack's region (regional endpoint). */
  certificateArn: string;
  /** The truststore, `s3://<bucket>/<key>` (PEM bundle of the client CAs); absent: TLS without client certificates. */
  truststore?: { bucket: string; key: string; version?: string };
  /**
   * Accept only access tokens bound to the caller's client certificate (RFC 8705 `cnf.x5t#S256`;
   * context `mtlsBindTokens=true`, needs the truststore). The authorizer's answers are then not
   * cached: API Gateway keys its cache by the token alone, which would let a stolen token in
   * through another certificate.
   */
  bindTokens?: boolean;
};

/** How the API is reached: WAF, an optional custom domain with mTLS, and an optional source allowlist. */
export type NetworkSettings = {
  waf: WafSettings | false;
  domain?: DomainSettings;
  /**
   * Only these source CIDR ranges may invoke the API (context `allowedSourceCidrs`, comma-separated):
   * a resource policy denies every other `aws:SourceIp`. @default anyone (callers still need auth)
   */
  allowedSourceCidrs?: string[];
};

/** The defaults: WAF on with its default limits, no domain, no source allowlist. */
export const DEFAULT_WAF: WafSettings = { ipRateLimit: 2000, tokenRateLimit: 1000 };

// WAF rate-based rules accept limits from 10 to 2,000,000,000 requests per evaluation window.
const MIN_WAF_LIMIT = 10;
const MAX_WAF_LIMIT = 2_000_000_000;
const CIDR = /^(?:\d{1,3}\.){3}\d{1,3}\/(?:\d|[12]\d|3[0-2])$|^[0-9a-fA-F:]+\/(?:\d|[1-9]\d|1[01]\d|12[0-8])$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;

/**
 * Reads the network settings from CDK context.
 *
 * @throws {Error} naming the setting: a WAF limit outside 10–2,000,000,000 (WAF's bounds), a domain
 *   without a certificate ARN (or the reverse), a certificate that is not an ACM ARN, a truststore
 *   that is not `s3://bucket/key`, or a source range that is not a CIDR
 * @example readNetworkSettings(app.node) // { waf: { ipRateLimit: 2000, tokenRateLimit: 1000 } }
 */
export function readNetworkSettings(node: Node): NetworkSettings {
  const waf = String(node.tryGetContext('waf') ?? 'true') === 'false' ? false : readWaf(node);
  const domain = readDomain(node);
  const cidrs = stringOf(node, 'allowedSourceCidrs')
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const badCidr = cidrs?.find((c) => !CIDR.test(c));
  if (badCidr) throw new Error(`Context "allowedSourceCidrs" must list CIDR ranges, got "${badCidr}"`);
  return { waf, ...(domain && { domain }), ...(cidrs && cidrs.length > 0 && { allowedSourceCidrs: cidrs }) };
}

function readWaf(node: Node): WafSettings {
  const limit = (key: string, fallback: number): number => {
    const value = Number(node.tryGetContext(key) ?? fallback);
    if (!Number.isInteger(value) || value < MIN_WAF_LIMIT || value > MAX_WAF_LIMIT) {
      throw new Error(
        `Context "${key}" must be a whole number of requests per 5 minutes from ${MIN_WAF_LIMIT} to ${MAX_WAF_LIMIT} (WAF's bounds), got ${JSON.stringify(node.tryGetContext(key))}`,
      );
    }
    return value;
  };
  return {
    ipRateLimit: limit('wafIpRateLimit', DEFAULT_WAF.ipRateLimit),
    tokenRateLimit: limit('wafTokenRateLimit', DEFAULT_WAF.tokenRateLimit),
  };
}

function readDomain(node: Node): DomainSettings | undefined {
  const domainName = stringOf(node, 'domainName');
  const certificateArn = stringOf(node, 'domainCertificateArn');
  const truststoreUri = stringOf(node, 'mtlsTruststoreUri');
  if (!domainName && !certificateArn && !truststoreUri) {
    if (node.tryGetContext('mtlsBindTokens') !== undefined) {
      throw new Error(
        'Context "mtlsBindTokens" needs a custom domain with mutual TLS ("domainName", "mtlsTruststoreUri")',
      );
    }
    return undefined;
  }
  if (!domainName || !certificateArn) {
    throw new Error(
      'Context "domainName" and "domainCertificateArn" go together (an ACM certificate for the domain, in the stack\'s region)',
    );
  }
  if (!ACM_ARN.test(certificateArn)) {
    throw new Error(`Context "domainCertificateArn" must be an ACM certificate ARN, got "${certificateArn}"`);
  }
  const bindTokens = String(node.tryGetContext('mtlsBindTokens') ?? 'false') === 'true';
  if (!truststoreUri) {
    if (bindTokens) throw new Error('Context "mtlsBindTokens" needs mutual TLS: set "mtlsTruststoreUri" too');
    return { domainName, certificateArn };
  }
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(truststoreUri);
  if (!match) throw new Error(`Context "mtlsTruststoreUri" must be s3://<bucket>/<key>, got "${truststoreUri}"`);
  const version = stringOf(node, 'mtlsTruststoreVersion');
  return {
    domainName,
    certificateArn,
    truststore: { bucket: match[1] as string, key: match[2] as string, ...(version && { version }) },
    ...(bindTokens && { bindTokens }),
  };
}

function stringOf(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  return String(raw).trim() || undefined;
}
