/**
 * A sealed webhook secret did not decrypt under the encryption context it was given: it was
 * sealed for another subscription or tenant, with another key, or altered. Not a client error —
 * the stored item is wrong — so it is no DomainError and never becomes a 4xx.
 */
export class SecretUnsealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretUnsealError';
  }
}
