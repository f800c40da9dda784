import { type FieldProblem, toJsonPointer } from '../../errors';
import type { ContractDocument, ContractWarning } from '../contract';
import { isProtobufMediaType } from '../media/media-types';
import { loadProtobufjs, messageType, ProtoSourceError, parseProtoSource } from './source';

type ProtobufParts = Pick<ContractDocument, 'protobuf' | 'endpoints'>;

// Every message name the endpoints give, with its pointer.
function messageNames(doc: ProtobufParts): Array<{ name: string; pointer: string }> {
  return doc.endpoints.flatMap((endpoint, index) => [
    ...(endpoint.requestMessage === undefined
      ? []
      : [{ name: endpoint.requestMessage, pointer: `/endpoints/${index}/requestMessage` }]),
    ...Object.entries(endpoint.responseMessages ?? {}).map(([key, name]) => ({
      name,
      pointer: toJsonPointer(['endpoints', index, 'responseMessages', key]),
    })),
  ]);
}

/**
 * What keeps a contract's Protobuf parts from registering (422): `protobuf.source` that does not
 * parse (pointer `/protobuf/source`, the message naming line and column), and each
 * `requestMessage` / `responseMessages` name that the source does not define as a message, or that
 * is given without any source (pointer: the name's). protobufjs is loaded only when the document
 * has a source or a message name.
 *
 * @returns the problems, empty when the Protobuf parts are sound or absent
 * @example await protobufProblems({ protobuf: { source: 'syntax = "proto3";\nmessage A {\n  string id = 1\n}' }, endpoints: [] })
 * // [{ pointer: '/protobuf/source', message: "line 4, column 1: illegal token '}', ';' expected", keyword: 'protobuf' }]
 */
export async function protobufProblems(doc: ProtobufParts): Promise<FieldProblem[]> {
  const names = messageNames(doc);
  if (doc.protobuf === undefined) {
    return names.map(({ pointer }) => ({
      pointer,
      message: 'names a Protobuf message, but the contract carries no protobuf.source',
      keyword: 'protobuf',
    }));
  }
  let root: Awaited<ReturnType<typeof parseProtoSource>>;
  try {
    root = await parseProtoSource(doc.protobuf.source);
  } catch (error) {
    if (!(error instanceof ProtoSourceError)) throw error;
    return [{ pointer: '/protobuf/source', message: `is not a valid .proto: ${error.message}`, keyword: 'protobuf' }];
  }
  const protobuf = await loadProtobufjs();
  return names
    .filter(({ name }) => messageType(protobuf, root, name) === undefined)
    .map(({ name, pointer }) => ({
      pointer,
      message: `message ${name} is not defined in /protobuf/source (name it with its package, e.g. shop.v1.Order)`,
      keyword: 'protobuf',
    }));
}

/**
 * Protobuf media types declared without the message that decodes them: registered, but such bodies
 * are answered `valid: false` (a contract written before `requestMessage` existed stays valid).
 *
 * @returns one warning per media type, pointer to its `requestMediaTypes` / `responseMediaTypes` key
 */
export function protobufWarnings(doc: ProtobufParts): ContractWarning[] {
  const warnings: ContractWarning[] = [];
  doc.endpoints.forEach((endpoint, index) => {
    for (const type of Object.keys(endpoint.requestMediaTypes ?? {}).filter(isProtobufMediaType)) {
      if (endpoint.requestMessage !== undefined) continue;
      warnings.push({
        pointer: toJsonPointer(['endpoints', index, 'requestMediaTypes', type]),
        message: `${type} bodies need requestMessage (a message of protobuf.source) to be decoded; they are answered valid: false`,
      });
    }
    for (const [key, media] of Object.entries(endpoint.responseMediaTypes ?? {})) {
      for (const type of Object.keys(media).filter(isProtobufMediaType)) {
        if (endpoint.responseMessages?.[key] !== undefined) continue;
        warnings.push({
          pointer: toJsonPointer(['endpoints', index, 'responseMediaTypes', key, type]),
          message: `${type} bodies need responseMessages["${key}"] to be decoded; they are answered valid: false`,
        });
      }
    }
  });
  return warnings;
}
