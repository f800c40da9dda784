export { decodeProtobuf, type ProtobufMessageRef } from './decode';
export { protobufProblems, protobufWarnings } from './registration';
export { messageType, ProtoSourceError, parseProtoSource } from './source';
