import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConsoleAssets, CONSOLE_ASSETS_PATH, renderConsoleAssetsModule } from '../../../scripts/build-console';
import { ROOT } from '../../support/readme';

describe('build-console', () => {
  describe('buildConsoleAssets', () => {
    it('bundles the console into one script with no module imports and one stylesheet', async () => {
      // Act
      const { script, stylesheet } = await buildConsoleAssets();

      // Assess
      expect(script).not.toMatch(/^\s*import\s|\brequire\(/m);
      // Type-only imports of the API schemas leave zod out of the browser bundle.
      expect(script.length).toBeLessThan(60_000);
      expect(script).toContain('/v1/topology');
      expect(stylesheet).toContain('.topology');
    });
  });

  describe(CONSOLE_ASSETS_PATH, () => {
    it('is what `npm run build:console` writes from console/src (run it after changing the console)', async () => {
      // Act
      const fresh = renderConsoleAssetsModule(await buildConsoleAssets());

      // Assess
      expect(readFileSync(`${ROOT}${CONSOLE_ASSETS_PATH}`, 'utf8')).toBe(fresh);
    });
  });
});
