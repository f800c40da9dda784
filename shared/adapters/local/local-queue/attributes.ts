import { createHash } from 'node:crypto';
import { ATTRIBUTE_NAME, BASE64, DATA_TYPE, INVALID_CHARACTER, MAX_MESSAGE_ATTRIBUTES, NUMBER_VALUE } from './limits';
import type { LocalMessageAttributeValue } from './types';

/** Name of the Number message attribute that orders delivery locally (higher first). */
export const PRIORITY_ATTRIBUTE = 'priority';

/**
 * SQS's MD5OfMessageAttributes: the MD5 of the attributes sorted by name, each encoded as name, data
 * type, transport type (1 = String/Number, 2 = Binary) and value, every variable part preceded by its
 * length as a 4-byte big-endian integer (Amazon SQS Developer Guide, "Calculating the MD5 message
 * digest for message attributes").
 *
 * @param attributes - valid attributes (see {@link LocalQueue.send})
 * @returns lowercase hex, or `undefined` when there are no attributes (SQS then returns none)
 * @example
 * md5OfMessageAttributes({ timestamp: { dataType: 'Number', stringValue: '1493147359900' } }); // '235c5c510d26fb653d073faed50ae77c'
 */
export function md5OfMessageAttributes(attributes: Record<string, LocalMessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of names) {
    const attribute = attributes[name]!;
    withLength(Buffer.from(name, 'utf8'));
    withLength(Buffer.from(attribute.dataType, 'utf8'));
    if (attribute.dataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      withLength(Buffer.from(attribute.binaryValue ?? '', 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      withLength(Buffer.from(attribute.stringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

/** MD5 of `bytes`, lowercase hex (SQS's MD5OfBody). */
export function md5Hex(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** The `priority` Number attribute's value; 0 when absent or not a Number. */
export function priorityOf(attributes: Record<string, LocalMessageAttributeValue>): number {
  const attribute = attributes[PRIORITY_ATTRIBUTE];
  if (!attribute?.dataType.startsWith('Number') || attribute.stringValue === undefined) return 0;
  return Number(attribute.stringValue);
}

/** Validated copy (when `validate`), so later changes to the caller's objects don't show. */
export function copyAttributes(
  attributes: Readonly<Record<string, LocalMessageAttributeValue>>,
  validate = true,
): Record<string, LocalMessageAttributeValue> {
  const entries = Object.entries(attributes);
  if (validate && entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new RangeError(`A message has at most ${MAX_MESSAGE_ATTRIBUTES} attributes, got ${entries.length}`);
  }
  const copy: Record<string, LocalMessageAttributeValue> = {};
  for (const [name, attribute] of entries) {
    if (validate) checkAttribute(name, attribute);
    copy[name] = {
      dataType: attribute.dataType,
      ...(attribute.stringValue !== undefined && { stringValue: attribute.stringValue }),
      ...(attribute.binaryValue !== undefined && { binaryValue: attribute.binaryValue }),
    };
  }
  return copy;
}

/** SQS's rules for message attributes (Amazon SQS Developer Guide, "Amazon SQS message attributes"). */
function checkAttribute(name: string, attribute: LocalMessageAttributeValue): void {
  const lower = name.toLowerCase();
  if (
    !ATTRIBUTE_NAME.test(name) ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.includes('..') ||
    lower.startsWith('aws.') ||
    lower.startsWith('amazon.')
  ) {
    throw new RangeError(
      `Attribute name '${name}' is invalid: 1–256 of A–Z a–z 0–9 _ - ., no leading, trailing or double '.', no AWS./Amazon. prefix`,
    );
  }
  const dataType = typeof attribute?.dataType === 'string' ? attribute.dataType : '';
  if (!DATA_TYPE.test(dataType) || dataType.length > 256) {
    throw new RangeError(
      `Attribute '${name}' has data type '${dataType}': use String, Number or Binary (optionally .suffix)`,
    );
  }
  if (dataType.startsWith('Binary')) {
    if (
      typeof attribute.binaryValue !== 'string' ||
      attribute.binaryValue.length === 0 ||
      !BASE64.test(attribute.binaryValue)
    ) {
      throw new RangeError(`Binary attribute '${name}' needs a non-empty base64 binaryValue`);
    }
    return;
  }
  const value = attribute.stringValue;
  if (typeof value !== 'string' || value.length === 0) {
    throw new RangeError(`Attribute '${name}' of type ${dataType} needs a non-empty stringValue`);
  }
  if (INVALID_CHARACTER.test(value)) {
    throw new RangeError(`Attribute '${name}' contains a character SQS does not accept (XML 1.0 characters only)`);
  }
  if (dataType.startsWith('Number') && !(NUMBER_VALUE.test(value) && Number.isFinite(Number(value)))) {
    throw new RangeError(`Number attribute '${name}' has the non-numeric value '${value}'`);
  }
}

/** What attributes add to a message's size: each name, data type and value (SQS message quotas). */
export function attributesSizeBytes(attributes: Record<string, LocalMessageAttributeValue>): number {
  let size = 0;
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.dataType, 'utf8');
    size +=
      attribute.binaryValue !== undefined
        ? Buffer.from(attribute.binaryValue, 'base64').length
        : Buffer.byteLength(attribute.stringValue ?? '', 'utf8');
  }
  return size;
}
