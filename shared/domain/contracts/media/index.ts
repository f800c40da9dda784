export { type Decoded, decodeCbor, decodeMsgpack, MAX_DECODED_DEPTH, toJsonModel } from './binary';
export { decodeBody, type EncodedBody } from './decode';
export { decodeForm, decodeMultipart } from './form';
export { DECODABLE_MEDIA_TYPES, familyOf, type MediaFamily, matchDeclared, mediaTypeOf } from './media-types';
