import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONSOLE_SCRIPT, CONSOLE_STYLESHEET } from '../../../../functions/system/console-assets.generated';
import { awsSystemHandler } from '../../../../functions/system/wiring';
import { apiEvent, lambdaContext } from '../../../support/events';
import { testFunctionBase } from '../../../support/handler-env';

const handler = awsSystemHandler(testFunctionBase('system'));
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** A GET as API Gateway sends it for the stage `/prod` (`requestContext.path` holds the stage). */
function stageGet(path: string, accept: string) {
  const event = apiEvent({ method: 'GET', path, headers: { Accept: accept } });
  event.requestContext.path = `/prod${path}`;
  return event;
}

describe('system handler: the web console', () => {
  describe('GET /console', () => {
    it('answers the page under the stage path, with a strict Content-Security-Policy and hashed asset URLs', async () => {
      // Act
      const result = await handler(stageGet('/console', 'text/html,application/xhtml+xml,*/*;q=0.8'), lambdaContext);

      // Assess
      expect(result.statusCode).toBe(200);
      expect(result.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      });
      const csp = String(result.headers?.['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(result.body).toContain('<meta name="aif-api-base" content="/prod">');
      expect(result.body).toContain(`src="/prod/console/app.js?v=${hashOf(CONSOLE_SCRIPT)}"`);
      expect(result.body).toContain(`href="/prod/console/app.css?v=${hashOf(CONSOLE_STYLESHEET)}"`);
      // No inline script or style: the CSP would block them.
      expect(result.body).not.toMatch(/<script>|<style|style="/);
    });

    it('rejects an Accept that excludes HTML with 406 problem+json', async () => {
      // Act
      const result = await handler(stageGet('/console', 'application/json'), lambdaContext);

      // Assess
      expect(result.statusCode).toBe(406);
      expect(result.headers?.['content-type']).toBe('application/problem+json');
    });
  });

  describe('GET /console/app.js and /console/app.css', () => {
    it('answers the bundled script and stylesheet as immutable assets', async () => {
      // Act
      const [script, stylesheet] = await Promise.all([
        handler(stageGet('/console/app.js', '*/*'), lambdaContext),
        handler(stageGet('/console/app.css', 'text/css,*/*;q=0.1'), lambdaContext),
      ]);

      // Assess
      expect([script.statusCode, stylesheet.statusCode]).toEqual([200, 200]);
      expect(script.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
      expect(stylesheet.headers?.['content-type']).toBe('text/css; charset=utf-8');
      expect(script.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(script.body).toBe(CONSOLE_SCRIPT);
      expect(stylesheet.body).toBe(CONSOLE_STYLESHEET);
    });
  });
});
