import type { EndpointSpec } from '../contract';
import { isProtobufMediaType } from '../media/media-types';
import { escapePointerSegment } from './json';
import type { DocumentName } from './model';

/** An endpoint of one version, with whether its document carries `.proto` source, and its index. */
export type ProtobufEndpoint = { endpoint: EndpointSpec; index: number; hasSource: boolean };

type Issue = { rule: string; pointer: string; document: DocumentName; detail: string; label: string };

/**
 * Protobuf bodies between two versions of an endpoint, for every Protobuf media type both declare
 * (a removed media type is the media-type check's): the request's `requestMessage` and each status
 * key's `responseMessages` must name the same message, and the new version must still carry
 * `.proto` source — a client's bytes are only readable with the message they were written for. It
 * compares names, not message definitions: a message changed in place (a field renumbered or
 * retyped) is not detected here.
 *
 * @param name - `METHOD /path` of the new version's endpoint, for labels
 * @returns issues (rules `protobuf-message-changed`, `protobuf-definitions-removed`), pointers into the new version
 */
export function checkProtobufMessages(previous: ProtobufEndpoint, next: ProtobufEndpoint, name: string): Issue[] {
  const out: Issue[] = [];
  const compare = (label: string, before: string | undefined, after: string | undefined, pointer: string) => {
    if (before === undefined) return;
    if (!next.hasSource) {
      out.push({
        rule: 'protobuf-definitions-removed',
        pointer: `/endpoints/${previous.index}/${pointer}`,
        document: 'previous',
        detail: `the new version carries no protobuf.source, so ${before} bodies can no longer be decoded`,
        label,
      });
    } else if (after !== before) {
      out.push({
        rule: 'protobuf-message-changed',
        pointer: after === undefined ? `/endpoints/${next.index}` : `/endpoints/${next.index}/${pointer}`,
        document: 'next',
        detail: `the previous version's Protobuf bodies are ${before}, the new version's ${after ?? 'name no message'}`,
        label,
      });
    }
  };
  if (declaresProtobuf(previous.endpoint.requestMediaTypes) && declaresProtobuf(next.endpoint.requestMediaTypes)) {
    compare(
      `${name} request body (Protobuf)`,
      previous.endpoint.requestMessage,
      next.endpoint.requestMessage,
      'requestMessage',
    );
  }
  for (const [key, media] of Object.entries(previous.endpoint.responseMediaTypes ?? {})) {
    if (!declaresProtobuf(media) || !declaresProtobuf(next.endpoint.responseMediaTypes?.[key])) continue;
    compare(
      `${name} response ${key} (Protobuf)`,
      previous.endpoint.responseMessages?.[key],
      next.endpoint.responseMessages?.[key],
      `responseMessages/${escapePointerSegment(key)}`,
    );
  }
  return out;
}

const declaresProtobuf = (media: Record<string, string> | undefined): boolean =>
  Object.keys(media ?? {}).some(isProtobufMediaType);
