export { type Decoded, decodeCbor, decodeMsgpack, MAX_DECODED_DEPTH, toJsonModel } from './binary';
export { decodeBody, type EncodedBody } from './decode';
export { decodeForm, decodeMultipart } from './form';
export {
  DECODABLE_MEDIA_TYPES,
  familyOf,
  isProtobufMediaType,
  type MediaFamily,
  matchDeclared,
  mediaTypeOf,
} from './media-types';
