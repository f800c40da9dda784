import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretStore } from '../../../../../shared/adapters/secrets-manager/secrets-manager-secret-store';
import { DependencyUnavailableError, UpstreamFailedError } from '../../../../../shared/domain/errors';

const secretsManager = mockClient(SecretsManagerClient);

describe('SecretsManagerSecretStore', () => {
  afterEach(() => {
    secretsManager.reset();
  });

  describe('getSecret', () => {
    it('reads the SecretString once and serves it from the cache within maxAge', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'aif/test/mesh/acme/orders' })
        .resolves({ SecretString: 'Bearer upstream-token' });
      const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' }), {
        maxAgeSeconds: 300,
      });

      // Act
      const first = await store.getSecret('aif/test/mesh/acme/orders');
      const second = await store.getSecret('aif/test/mesh/acme/orders');

      // Assess
      expect([first, second]).toEqual(['Bearer upstream-token', 'Bearer upstream-token']);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('fails with UpstreamFailedError (502) for a missing secret, naming it', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
      const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1' }), {
        maxAgeSeconds: 0,
      });

      // Act
      const error = await store.getSecret('aif/test/mesh/acme/missing').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(UpstreamFailedError);
      expect((error as Error).message).toContain('aif/test/mesh/acme/missing');
    });

    it('fails with DependencyUnavailableError (503) when Secrets Manager throttles', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      const store = new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 1 }), {
        maxAgeSeconds: 0,
      });

      // Act
      const error = await store.getSecret('aif/test/mesh/acme/orders').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(DependencyUnavailableError);
    });
  });
});
