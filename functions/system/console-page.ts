import { createHash } from 'node:crypto';
import type { HttpOperationResponse } from '../../shared/http/pipeline';
import { CONSOLE_SCRIPT, CONSOLE_STYLESHEET } from './console-assets.generated';

/**
 * The web console, served by the system function — same origin as the API, so no CORS, no
 * extra stack pieces (no bucket, no distribution, no deployment step that could drift from the API),
 * and the same stage, WAF and throttles as the API. Its three answers are public (they hold no
 * data); every API call the page makes carries the bearer token the user enters. The script and
 * stylesheet are embedded in the function's bundle (`npm run build:console`, about 15 KB), which
 * is why S3 + CloudFront would buy nothing here but a second origin to secure.
 *
 * The page answers a strict Content-Security-Policy: scripts and styles from this origin only, no
 * inline code, fetches to this origin only, no framing, no forms posting elsewhere.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every console answer carries (RFC 9110 caching aside). */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const SCRIPT_VERSION = version(CONSOLE_SCRIPT);
const STYLESHEET_VERSION = version(CONSOLE_STYLESHEET);

const escapeAttribute = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * The console's HTML page (`GET /console`). Asset URLs carry a content hash (`?v=`), so the assets
 * may be cached for a year while the page itself is revalidated on every load.
 *
 * @param basePath - the stage's path in front of the route paths: `''` locally, `/dev` behind API
 *   Gateway's default endpoint; written into the page so its API calls and assets resolve under it
 * @returns a 200 answer, `text/html; charset=utf-8`, with the CSP and `cache-control: no-cache`
 * @example consolePage('/dev').body // '<!doctype html>…<script src="/dev/console/app.js?v=…" defer></script>…'
 */
export function consolePage(basePath: string): HttpOperationResponse {
  const base = escapeAttribute(basePath);
  const body = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="aif-api-base" content="${base}">`,
    '<title>Agent Integration Framework console</title>',
    // No favicon request (it would be a 404 on the API): an empty data: icon, which img-src allows.
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${base}/console/app.css?v=${STYLESHEET_VERSION}">`,
    `<script src="${base}/console/app.js?v=${SCRIPT_VERSION}" defer></script>`,
    '</head>',
    '<body></body>',
    '</html>',
    '',
  ].join('\n');
  return {
    status: 200,
    body,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
      'cache-control': 'no-cache',
      ...SECURITY_HEADERS,
    },
  };
}

/** The console's script (`GET /console/app.js`): `text/javascript` (RFC 9239), cacheable for a year. */
export function consoleScript(): HttpOperationResponse {
  return asset(CONSOLE_SCRIPT, 'text/javascript; charset=utf-8');
}

/** The console's stylesheet (`GET /console/app.css`): `text/css`, cacheable for a year. */
export function consoleStylesheet(): HttpOperationResponse {
  return asset(CONSOLE_STYLESHEET, 'text/css; charset=utf-8');
}

function asset(body: string, contentType: string): HttpOperationResponse {
  return {
    status: 200,
    body,
    // The page names each asset with its content hash, so a changed asset is a new URL.
    headers: {
      'content-type': contentType,
      'cache-control': 'public, max-age=31536000, immutable',
      ...SECURITY_HEADERS,
    },
  };
}
