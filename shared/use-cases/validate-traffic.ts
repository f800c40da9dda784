import { UnsupportedMediaTypeError } from '../domain/contracts/errors';
import { decodeBody, type EncodedBody, familyOf, matchDeclared, mediaTypeOf } from '../domain/contracts/media';
import type { ProtobufMessageRef } from '../domain/contracts/protobuf';
import type { BodyMedia, RequestSample, ValidationOutcome } from '../domain/contracts/validator';
import { responseKey } from '../domain/contracts/validator/responses';
import { type ContractRegistryDeps, resolveContract } from './resolve-contract';

/**
 * The answer of the validate routes: the outcome plus which version and endpoint judged it, and
 * the media type whose schema judged the body when the body came with a `contentType`.
 */
export type TrafficValidationResult = ValidationOutcome & { version: string; mediaType?: string };

/** A body sent with its media type: the text or JSON value in `body`, or the bytes in `bodyBase64`. */
export type TypedBody = EncodedBody & { contentType?: string };

/**
 * Validates a request against a contract version of the tenant's (the latest when `version` is
 * absent), using validators compiled once per contract version and cached for the Lambda instance.
 * With `request.contentType`, the body (`body` text or value, or `bodyBase64` bytes) is decoded by
 * the media type the endpoint declares for it and judged by that media type's schema.
 *
 * @param input.tenant - whose contract to validate against: the caller's
 * @throws {ContractNotFoundError} when the tenant has no such contract or version
 * @throws {EndpointNotFoundError} naming the known endpoints when the method and path match none
 * @throws {UnsupportedMediaTypeError} when the endpoint declares no such media type, naming those it declares
 * @example await validateRequest(deps, { tenant: 'acme', name: 'petstore', method: 'GET', path: '/pets/1', request: {} })
 */
export async function validateRequest(
  deps: ContractRegistryDeps,
  input: {
    tenant: string;
    name: string;
    version?: string;
    method: string;
    path: string;
    request: RequestSample & TypedBody;
  },
): Promise<TrafficValidationResult> {
  const contract = await resolveContract(deps, input);
  const compiled = deps.compiled.get(contract);
  const { contentType, bodyBase64, ...request } = input.request;
  if (contentType === undefined) {
    return resultOf(contract.version, compiled.validateRequest(input.method, input.path, request));
  }
  const declared = compiled.requestMediaTypes(input.method, input.path);
  const { endpoint } = compiled.resolveEndpoint(input.method, input.path);
  const typed = { contentType, body: request.body, bodyBase64 };
  const decoded = await decodeTyped(declared, typed, '/request/contentType', {
    protobuf: protobufRef(contract.protobuf, endpoint.requestMessage),
  });
  const outcome = compiled.validateRequest(input.method, input.path, { ...request, body: decoded.body }, decoded.media);
  return resultOf(contract.version, outcome, decoded.media.mediaType);
}

/**
 * Validates a response body against the response or error schema the endpoint declares for `status`,
 * in a contract version of the tenant's. With `contentType`, the body is decoded by the media type the
 * endpoint declares for that status, as for requests; a status without a schema accepts any
 * content type that can be decoded.
 *
 * @param input.tenant - whose contract to validate against: the caller's
 * @param input.status - the response's HTTP status code
 * @throws {ContractNotFoundError} when the tenant has no such contract or version
 * @throws {EndpointNotFoundError} when the method and path match no endpoint
 * @throws {UnsupportedMediaTypeError} when the status declares media types and `contentType` is none of them
 */
export async function validateResponse(
  deps: ContractRegistryDeps,
  input: {
    tenant: string;
    name: string;
    version?: string;
    method: string;
    path: string;
    status: number;
  } & TypedBody,
): Promise<TrafficValidationResult> {
  const contract = await resolveContract(deps, input);
  const compiled = deps.compiled.get(contract);
  const { method, path, status, contentType } = input;
  if (contentType === undefined) {
    return resultOf(contract.version, compiled.validateResponse(method, path, status, input.body, contract.errorCodes));
  }
  const declared = compiled.responseMediaTypes(method, path, status);
  const { endpoint } = compiled.resolveEndpoint(method, path);
  const key = responseKey(endpoint, status);
  const typed = { contentType, body: input.body, bodyBase64: input.bodyBase64 };
  const decoded = await decodeTyped(declared, typed, '/contentType', {
    anyDecodable: Object.keys(declared).length === 0,
    protobuf: protobufRef(contract.protobuf, key === undefined ? undefined : endpoint.responseMessages?.[key]),
  });
  const outcome = compiled.validateResponse(method, path, status, decoded.body, contract.errorCodes, decoded.media);
  return resultOf(contract.version, outcome, decoded.media.mediaType);
}

/** The answer of a validation: the outcome, the version it was checked against, and the media type decoded (when one was). */
function resultOf(
  version: string,
  outcome: Pick<TrafficValidationResult, 'valid' | 'errors' | 'endpoint'>,
  mediaType?: string,
): TrafficValidationResult {
  return {
    valid: outcome.valid,
    errors: outcome.errors,
    version,
    endpoint: outcome.endpoint,
    ...(mediaType !== undefined && { mediaType }),
  };
}

/**
 * The declared media type a typed body falls under, and the body decoded by its family. Form and
 * multipart fields are strings, so they are validated with coercion (`BodyMedia.coerce`).
 *
 * @param options.anyDecodable - accept every decodable content type (nothing is declared to compare with)
 * @param options.protobuf - the message a Protobuf body is, when the endpoint names one
 * @throws {UnsupportedMediaTypeError} when nothing declared covers the content type, or it cannot be decoded
 */
async function decodeTyped(
  declared: Record<string, string>,
  typed: TypedBody & { contentType: string },
  pointer: string,
  { anyDecodable = false, protobuf }: { anyDecodable?: boolean; protobuf?: ProtobufMessageRef | undefined } = {},
): Promise<{ body: unknown; media: BodyMedia }> {
  const keys = Object.keys(declared);
  const mediaType = anyDecodable ? mediaTypeOf(typed.contentType) : matchDeclared(typed.contentType, keys);
  const family = familyOf(mediaTypeOf(typed.contentType));
  if (mediaType === undefined || family === undefined) {
    const listed = keys.length > 0 ? keys.join(', ') : 'none (the endpoint declares no body here)';
    const message =
      mediaType === undefined
        ? `"${mediaTypeOf(typed.contentType)}" is not declared for this body; declared: ${listed}`
        : `"${mediaTypeOf(typed.contentType)}" cannot be decoded; decodable: JSON (+json), form-urlencoded, multipart/form-data, MessagePack, CBOR (+cbor), Protobuf, text/*`;
    throw new UnsupportedMediaTypeError(message, [{ pointer, message, keyword: 'mediaType' }], {
      extensions: { declaredMediaTypes: keys },
    });
  }
  const coerce = family === 'form' || family === 'multipart';
  if (typed.body === undefined && typed.bodyBase64 === undefined)
    return { body: undefined, media: { mediaType, coerce } };
  const decoded = await decodeBody(family, typed.contentType, typed, '/body', protobuf);
  return decoded.issues
    ? { body: undefined, media: { mediaType, coerce, bodyIssues: decoded.issues } }
    : { body: decoded.value, media: { mediaType, coerce } };
}

/** The message a Protobuf body of the contract is, when the contract carries `.proto` source and the endpoint names one. */
function protobufRef(
  definitions: { source: string } | undefined,
  message: string | undefined,
): ProtobufMessageRef | undefined {
  return definitions && message !== undefined ? { source: definitions.source, message } : undefined;
}
