import { MalformedInputError, UpstreamFailedError } from '../domain/errors';
import { InstanceFormatNotAcceptableError, InstanceFormatUnsupportedError } from '../domain/mesh/errors';
import { answerTarget, type FormatPlan, planFormats } from '../domain/mesh/format-plan';
import type { ServiceInstance } from '../domain/mesh/service-instance';
import type { WireFormats } from '../ports/wire-formats';

/** What format conversion in the router needs. */
export type MeshFormatDeps = {
  /** The formats the router converts between (the codec registry's, `codecWireFormats`). */
  formats: WireFormats;
  /**
   * Largest body converted, bytes (MAX_BODY_BYTES, the API's request body limit): a larger upstream
   * answer that would need converting is refused 502 rather than relayed in a format the caller
   * did not accept. Requests are already held to it by the pipeline.
   */
  maxBodyBytes: number;
  /** Told about every conversion made (metrics); the call does not wait for it. */
  onConversion?: (conversion: FormatConversion) => void;
};

/** One conversion of a routed body. */
export type FormatConversion = { direction: 'request' | 'answer'; service: string; from: string; to: string };

/** The formats of one planned call: each candidate's plan, and the request body in each format it is sent in. */
export type PreparedFormats = {
  plans: ReadonlyMap<string, FormatPlan>;
  /** Converted request bodies by media type (the body sent to instances whose plan names `requestTo`). */
  bodies: ReadonlyMap<string, Buffer>;
};

/** The parts of a routed call that formats depend on. */
type FormatCall = { headers: Readonly<Record<string, string>>; body?: Buffer };

/**
 * Step 1c of routing: plans every candidate's formats (`planFormats`), keeps the candidates that can
 * take the call — instances without `supportedFormats` always can — and converts the request body
 * once per media type some kept candidate needs, so that a body that does not decode is refused
 * before any instance is called. When instances of one service declare different formats, weighted
 * selection runs among the compatible ones only (their weights keep their ratios).
 *
 * @param target - the service the call goes to (for messages and metrics)
 * @returns the compatible candidates, in their order, and the prepared formats
 * @throws {InstanceFormatUnsupportedError} 415 when no candidate can be sent the body, naming their formats
 * @throws {InstanceFormatNotAcceptableError} 406 when no candidate can answer in a type the caller accepts
 * @throws {MalformedInputError} 400 when the body is not valid in its `Content-Type` (by pointer), or `Accept` is malformed
 */
export async function prepareFormats<C extends { instance: ServiceInstance }>(
  deps: MeshFormatDeps,
  call: FormatCall,
  target: string,
  candidates: readonly C[],
): Promise<{ candidates: C[]; formats: PreparedFormats }> {
  const facts = {
    contentType: call.headers['content-type'],
    hasBody: (call.body?.length ?? 0) > 0,
    accept: call.headers.accept,
  };
  const plans = new Map<string, FormatPlan>();
  for (const { instance } of candidates)
    plans.set(instance.id, planFormats(instance.supportedFormats, facts, deps.formats));
  const usable = candidates.filter(({ instance }) => {
    const kind = plans.get(instance.id)?.kind;
    return kind === 'relay' || kind === 'negotiated';
  });
  if (usable.length === 0) throw refusal(target, candidates, plans);
  const bodies = new Map<string, Buffer>();
  for (const { instance } of usable) {
    const plan = plans.get(instance.id);
    const to = plan?.kind === 'negotiated' ? plan.requestTo : undefined;
    if (to === undefined || bodies.has(to) || !call.body || !facts.contentType) continue;
    const converted = await deps.formats.transcode(call.body, facts.contentType.split(';')[0]?.trim() ?? '', to, '');
    bodies.set(to, converted.bytes);
    deps.onConversion?.({ direction: 'request', service: target, from: facts.contentType, to });
  }
  return { candidates: usable, formats: { plans, bodies } };
}

/** Why no candidate can take the call: the request side first (415), else the answer side (406). */
function refusal(
  target: string,
  candidates: readonly { instance: ServiceInstance }[],
  plans: ReadonlyMap<string, FormatPlan>,
): Error {
  const all = candidates.map(({ instance }) => plans.get(instance.id));
  const unsupported = all.find((plan) => plan?.kind === 'unsupported');
  if (unsupported?.kind === 'unsupported') {
    const declared = [...new Set(candidates.flatMap(({ instance }) => instance.supportedFormats ?? []))];
    return new InstanceFormatUnsupportedError(
      `No instance of ${target} can be sent ${unsupported.mediaType}: ${unsupported.reason}`,
      declared,
      unsupported.reason,
    );
  }
  const available = [...new Set(all.flatMap((plan) => (plan?.kind === 'not-acceptable' ? plan.available : [])))];
  return new InstanceFormatNotAcceptableError(
    `No instance of ${target} answers in a media type the Accept header allows; available: ${available.join(', ')}`,
    available,
  );
}

/**
 * The request as it goes to `instanceId`: the converted body and its `Content-Type` when its plan
 * converts, the rewritten `Accept` when its plan asks the instance for another format; otherwise
 * the body and headers untouched. `headers` is changed in place.
 *
 * @returns the body to send
 */
export function shapeRequest(
  prepared: PreparedFormats,
  instanceId: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
): Buffer | undefined {
  const plan = prepared.plans.get(instanceId);
  if (plan?.kind !== 'negotiated') return body;
  if (plan.accept !== undefined) headers.accept = plan.accept;
  const converted = plan.requestTo === undefined ? undefined : prepared.bodies.get(plan.requestTo);
  if (plan.requestTo === undefined || converted === undefined) return body;
  headers['content-type'] = plan.requestTo;
  return converted;
}

/** Representation digests that no longer match once the bytes are converted (RFC 9530, RFC 1864). */
const DIGEST_HEADERS = ['content-md5', 'digest', 'content-digest', 'repr-digest'];

/**
 * The upstream's answer as the caller gets it: untouched when the instance declares no formats, when
 * the caller accepts its `Content-Type`, or when that is no convertible format (relayed as it is —
 * an upstream answer is never turned into an error for its type alone); else converted to the
 * caller's choice with the status and other headers kept, `Vary: Accept` added, a strong `ETag`
 * weakened (the representation changed, its meaning did not) and digests dropped.
 *
 * @param answerHeaders - the relayed headers (`relayedAnswerHeaders`), lower-case names
 * @throws {UpstreamFailedError} 502 when the body does not decode in its `Content-Type` (pointers under
 *   `/upstream/body`), or it exceeds `maxBodyBytes` — the upstream's fault, not the caller's
 */
export async function shapeAnswer(
  deps: MeshFormatDeps,
  prepared: PreparedFormats,
  instanceId: string,
  call: FormatCall,
  target: string,
  answer: { status: number; headers: Record<string, string>; body: Buffer },
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const plan = prepared.plans.get(instanceId);
  const encoding = answer.headers['content-encoding'];
  if (plan?.kind !== 'negotiated' || answer.body.length === 0 || (encoding && encoding !== 'identity')) return answer;
  const from = answer.headers['content-type'];
  const to = answerTarget(from, call.headers.accept, plan.answerIn, deps.formats);
  if (to === undefined || from === undefined) return answer;
  if (answer.body.length > deps.maxBodyBytes) {
    throw new UpstreamFailedError(
      `${target} answered ${answer.body.length} bytes of ${from}; the router converts at most ${deps.maxBodyBytes} bytes`,
    );
  }
  const converted = await upstreamTranscode(deps, answer.body, from, to, target, instanceId);
  deps.onConversion?.({ direction: 'answer', service: target, from, to: converted.mediaType });
  const headers: Record<string, string> = { ...answer.headers, 'content-type': converted.mediaType };
  for (const name of DIGEST_HEADERS) delete headers[name];
  const etag = headers.etag;
  if (etag !== undefined && !etag.startsWith('W/')) headers.etag = `W/${etag}`;
  const vary = headers.vary;
  if (!vary) headers.vary = 'accept';
  else if (!/(^|,)\s*(accept|\*)\s*(,|$)/i.test(vary)) headers.vary = `${vary}, accept`;
  return { status: answer.status, headers, body: converted.bytes };
}

async function upstreamTranscode(
  deps: MeshFormatDeps,
  body: Buffer,
  from: string,
  to: string,
  target: string,
  instanceId: string,
): Promise<{ bytes: Buffer; mediaType: string }> {
  try {
    return await deps.formats.transcode(body, from.split(';')[0]?.trim() ?? '', to, '/upstream/body');
  } catch (error) {
    if (!(error instanceof MalformedInputError)) throw error;
    throw new UpstreamFailedError(
      `${target} (instance ${instanceId}) answered a body that is not valid ${from}: ${error.message}`,
      error.problems,
    );
  }
}
