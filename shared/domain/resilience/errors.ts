/** The code `classifyError` gives a {@link ConfigurationError}. */
export const CONFIGURATION_ERROR_CODE = 'CONFIGURATION_ERROR';

/**
 * A non-2xx HTTP response, as the framework's HTTP clients throw it. It carries what the
 * classifier needs — the status and the raw `Retry-After` header — and nothing of the body.
 * `classifyError` turns it into an IntegrationError with code `HTTP_<status>` and the category of
 * `classifyHttpStatus`.
 *
 * @throws {RangeError} from the constructor when `status` is not an integer in [100, 599]
 * @example
 * if (!response.ok) {
 *   throw new HttpStatusError(response.status, { retryAfter: response.headers.get('retry-after') ?? undefined, url });
 * }
 */
export class HttpStatusError extends Error {
  /** The response's status code. */
  readonly status: number;
  /** The raw `Retry-After` header (delta-seconds or HTTP-date, RFC 9110 §10.2.3), when sent. */
  readonly retryAfter?: string;
  /** The requested URL (the classifier keeps only its origin and path in the error's context). */
  readonly url?: string;

  constructor(status: number, options: { retryAfter?: string; url?: string; cause?: unknown } = {}) {
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`an HTTP status is an integer in [100, 599], got ${status}`);
    }
    super(`HTTP ${status}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpStatusError';
    this.status = status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.url !== undefined) this.url = options.url;
  }
}

/**
 * Our own deployment or configuration is wrong: a missing environment variable, table, queue or
 * secret. Retrying cannot help until someone fixes it, so the classifier makes it a `system`
 * error (the seed's "configuration errors") with code `CONFIGURATION_ERROR` that is not retryable.
 *
 * @example throw new ConfigurationError('CONTRACTS_TABLE is not set', { setting: 'CONTRACTS_TABLE' });
 */
export class ConfigurationError extends Error {
  /** Always `CONFIGURATION_ERROR`. */
  readonly code = CONFIGURATION_ERROR_CODE;
  /** The setting or resource that is wrong, when known (a name, never its secret value). */
  readonly setting?: string;

  constructor(message: string, options: { setting?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigurationError';
    if (options.setting !== undefined) this.setting = options.setting;
  }
}
