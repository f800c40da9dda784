import { randomFillSync } from 'node:crypto';

/** A W3C Trace Context (traceparent, version 00): 32-hex trace id, 16-hex parent span id, 2-hex flags. */
export type TraceContext = { traceId: string; parentSpanId?: string; spanId: string; flags: string };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const HEX = /^[0-9a-f]+$/i;

/**
 * Reads the caller's trace context: a valid `traceparent` (W3C Trace Context §3.2; all-zero ids
 * are invalid), else `X-Trace-Id` (and `X-Span-Id`) when they are 32/16 hex digits, else a new
 * trace. Always allocates a new span id for this hop.
 *
 * @param headers - request headers with lower-case names
 * @example readTraceContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }).traceId
 */
export function readTraceContext(headers: Record<string, string | undefined>): TraceContext {
  const spanId = randomHex(8);
  const match = TRACEPARENT.exec(headers.traceparent?.trim().toLowerCase() ?? '');
  if (match && !/^0+$/.test(match[1] as string) && !/^0+$/.test(match[2] as string)) {
    return { traceId: match[1] as string, parentSpanId: match[2] as string, spanId, flags: match[3] as string };
  }
  const traceId = headers['x-trace-id']?.trim().toLowerCase();
  if (traceId && traceId.length === 32 && HEX.test(traceId) && !/^0+$/.test(traceId)) {
    const parent = headers['x-span-id']?.trim().toLowerCase();
    return {
      traceId,
      ...(parent && parent.length === 16 && HEX.test(parent) && { parentSpanId: parent }),
      spanId,
      flags: '01',
    };
  }
  return { traceId: randomHex(16), spanId, flags: '01' };
}

/**
 * Response headers that propagate the trace: `traceparent` naming this hop's span, plus
 * `X-Trace-Id` / `X-Span-Id` for clients that use those.
 *
 * @example traceHeaders(ctx)['traceparent'] // '00-<traceId>-<spanId>-01'
 */
export function traceHeaders(context: TraceContext): Record<string, string> {
  return {
    traceparent: `00-${context.traceId}-${context.spanId}-${context.flags}`,
    'x-trace-id': context.traceId,
    'x-span-id': context.spanId,
  };
}

// Ids come from a pool of CSPRNG bytes refilled 4 KiB at a time: one randomFillSync per ~170
// requests instead of two calls into the CSPRNG per request (they were a fifth of the warm path).
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}
