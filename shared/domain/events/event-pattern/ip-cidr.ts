import ipaddr from 'ipaddr.js';
import type { Leaf } from './leaves';

export const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
export const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/**
 * The bytes of an IP address literal: `undefined` when the text does not look like one, `null` when it
 * looks like one but is not (event-ruler CIDR.ipToBytes: the same two shapes, then Java's
 * `InetAddress`, which turns IPv4-mapped IPv6 addresses into IPv4 ones). Dotted quads are read in
 * decimal, leading zeros allowed.
 */
export function ipAddressBytes(text: string): number[] | null | undefined {
  if (IPV4_SHAPE.test(text)) {
    const bytes = text.split('.').map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : null;
  }
  if (IPV6_SHAPE.test(text)) {
    if (!ipaddr.IPv6.isValid(text)) return null;
    const address = ipaddr.IPv6.parse(text);
    return address.isIPv4MappedAddress() ? address.toIPv4Address().toByteArray() : address.toByteArray();
  }
  return undefined;
}

export function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

export type IpRange = { readonly low: readonly number[]; readonly high: readonly number[] };

/** Whether `value` is an IP address literal inside `range` (same family: 4 or 16 bytes). */
export function inIpRange(range: IpRange, value: Leaf): boolean {
  if (typeof value !== 'string') return false;
  const bytes = ipAddressBytes(value);
  return (
    bytes != null &&
    bytes.length === range.low.length &&
    compareBytes(bytes, range.low) >= 0 &&
    compareBytes(bytes, range.high) <= 0
  );
}

/** Java's `String.split("/")`: no match gives the text itself; trailing empty strings are dropped. */
export function javaSplitOnSlash(text: string): string[] {
  if (!text.includes('/')) return [text];
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Java's `Integer.parseInt` on ASCII digits: an optional sign, then digits, within 32 bits. */
export function javaParseInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

/**
 * The addresses a `cidr` filter covers, or event-ruler's reason for refusing it (CIDR.cidr). The
 * range runs from the network address to the broadcast address. event-ruler refuses `/32` for IPv4
 * and `/128` for IPv6 ("mask bits must be < 32"); so does this.
 */
export function parseCidr(text: string): IpRange | string {
  const parts = javaSplitOnSlash(text);
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  const maskBits = javaParseInt(parts[1] as string);
  if (maskBits === undefined) return 'Malformed CIDR, mask bits must be an integer';
  if (maskBits < 0) return 'Malformed CIDR, mask bits must not be negative';
  const address = parts[0] as string;
  const bytes = ipAddressBytes(address);
  if (bytes === undefined) return `Nonstandard IP address: ${address}`;
  if (bytes === null) return `Invalid IP address: ${address}`;
  if (bytes.length === 4 && maskBits > 31) return 'IPv4 mask bits must be < 32';
  if (bytes.length === 16 && maskBits > 127) return 'IPv6 mask bits must be < 128';
  let variableBits = bytes.length * 8 - maskBits;
  const low = [...bytes];
  const high = [...bytes];
  for (let i = bytes.length - 1; i >= 0 && variableBits > 0; i--, variableBits -= 8) {
    const hostMask = variableBits >= 8 ? 0xff : (1 << variableBits) - 1;
    low[i] = (bytes[i] as number) & ~hostMask & 0xff;
    high[i] = (bytes[i] as number) | hostMask;
  }
  return { low, high };
}
