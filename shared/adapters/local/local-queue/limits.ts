// SQS's limits and character rules, as LocalQueue enforces them on input.

/** SQS limits (Amazon SQS Developer Guide, "Amazon SQS quotas"; API Reference for each action). */
export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
export const MAX_RECEIVE_BATCH = 10;
export const MAX_MESSAGE_ATTRIBUTES = 10;
export const MIN_RETENTION_SECONDS = 60;
export const MAX_RETENTION_SECONDS = 1_209_600;
export const MIN_MESSAGE_SIZE_BYTES = 1024;
export const MAX_MESSAGE_SIZE_BYTES = 1_048_576;
export const MAX_MAX_RECEIVE_COUNT = 1000;

/** XML 1.0 characters, the only ones SQS accepts in a body or attribute value (SQS message quotas, "Message content"). */
export const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
export const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
export const DATA_TYPE = /^(String|Number|Binary)(\.[\x20-\x7E]+)?$/;
export const NUMBER_VALUE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * `value` when it is an integer in [min, max].
 *
 * @throws {RangeError} naming the setting otherwise (SQS answers InvalidParameterValue)
 */
export function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}
