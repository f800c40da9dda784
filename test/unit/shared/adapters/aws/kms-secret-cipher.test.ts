import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsSecretCipher } from '../../../../../shared/adapters/aws/kms-secret-cipher';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { SecretUnsealError } from '../../../../../shared/domain/events/errors';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
const CONTEXT = { 'aif-tenant': 'acme', 'aif-subscription': 'orders' };
const kms = mockClient(KMSClient);

describe('KmsSecretCipher', () => {
  afterEach(() => {
    kms.reset();
  });

  it('encrypts under the key with the encryption context and answers the blob as base64', async () => {
    // Prepare
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('blob') });
    const cipher = new KmsSecretCipher(new KMSClient({ region: 'eu-west-1' }), KEY);

    // Act
    const sealed = await cipher.encrypt('whsec_x', CONTEXT);

    // Assess
    expect(sealed).toBe(Buffer.from('blob').toString('base64'));
    expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY,
      Plaintext: Buffer.from('whsec_x'),
      EncryptionContext: CONTEXT,
    });
  });

  it('decrypts once per ciphertext and context within the cache TTL, and again after it', async () => {
    // Prepare
    let nowMs = 0;
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('whsec_x') });
    const cipher = new KmsSecretCipher(new KMSClient({ region: 'eu-west-1' }), KEY, {
      decryptCacheTtlMs: 1000,
      nowMs: () => nowMs,
    });

    // Act
    const first = await cipher.decrypt('YmxvYg==', CONTEXT);
    await cipher.decrypt('YmxvYg==', CONTEXT);
    await cipher.decrypt('YmxvYg==', { ...CONTEXT, 'aif-subscription': 'other' });
    nowMs = 1000;
    await cipher.decrypt('YmxvYg==', CONTEXT);

    // Assess
    expect(first).toBe('whsec_x');
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(3);
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY,
      CiphertextBlob: Buffer.from('blob'),
      EncryptionContext: CONTEXT,
    });
  });

  it('fails with SecretUnsealError when KMS refuses the context, and DependencyUnavailableError when it throttles', async () => {
    // Prepare
    const cipher = new KmsSecretCipher(new KMSClient({ region: 'eu-west-1', maxAttempts: 1 }), KEY);
    kms
      .on(DecryptCommand, { EncryptionContext: CONTEXT })
      .rejects(Object.assign(new Error('bad'), { name: 'InvalidCiphertextException', $fault: 'client' }));
    kms.on(EncryptCommand).rejects(
      Object.assign(new Error('slow down'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const refused = cipher.decrypt('YmxvYg==', CONTEXT);
    const throttled = cipher.encrypt('whsec_x', CONTEXT);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(SecretUnsealError);
    await expect(throttled).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
