import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSecretStore } from '../../../../../shared/adapters/local/local-secret-store';
import { UpstreamFailedError } from '../../../../../shared/domain/errors';

describe('LocalSecretStore', () => {
  describe('getSecret', () => {
    it('reads secrets from its map and from a JSON file, the map winning', async () => {
      // Prepare
      const file = join(await mkdtemp(join(tmpdir(), 'aif-secrets-')), 'secrets.json');
      await writeFile(file, JSON.stringify({ 'aif/local/mesh/t/a': 'from-file', 'aif/local/mesh/t/b': 'file-b' }));
      const store = new LocalSecretStore({ file, values: { 'aif/local/mesh/t/b': 'from-map' } });

      // Act
      const values = await Promise.all([store.getSecret('aif/local/mesh/t/a'), store.getSecret('aif/local/mesh/t/b')]);

      // Assess
      expect(values).toEqual(['from-file', 'from-map']);
    });

    it('fails with UpstreamFailedError for an unknown name, and for a file that is not a JSON object', async () => {
      // Prepare
      const file = join(await mkdtemp(join(tmpdir(), 'aif-secrets-')), 'secrets.json');
      await writeFile(file, '["not", "an object"]');

      // Act
      const unknown = await new LocalSecretStore({ values: {} }).getSecret('nope').catch((e: unknown) => e);
      const broken = await new LocalSecretStore({ file }).getSecret('nope').catch((e: unknown) => e);

      // Assess
      expect(unknown).toBeInstanceOf(UpstreamFailedError);
      expect(broken).toBeInstanceOf(UpstreamFailedError);
      expect((broken as Error).message).not.toContain('an object');
    });
  });
});
