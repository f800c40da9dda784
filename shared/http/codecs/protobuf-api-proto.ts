/**
 * The `.proto` source (proto3) of the API's Protobuf format, as `GET /v1/proto` serves it: the
 * definitions of google/protobuf/struct.proto (Value, Struct, ListValue, NullValue; field numbers
 * and names as Google publishes them, options left out), so `protoc` and protobufjs compile it
 * standalone; a toolchain that ships the well-known types can use its own struct.proto instead —
 * the wire bytes are the same. Every request and answer body of the API is one Value
 * (`protobufCodec`).
 */
export const API_PROTO_SOURCE = `// The Protobuf format of the Agent Integration Framework API (GET /v1/proto).
//
// Every request body and every answer body of the API, on every route, is ONE message of type
// google.protobuf.Value (below), holding the same JSON value the application/json format carries
// (the proto3 JSON mapping of Value): objects are struct_value, arrays list_value, strings
// string_value, booleans bool_value, null null_value, numbers number_value (a double: integers
// beyond +-(2^53 - 1) cannot be carried; send them as strings).
//   Content-Type: application/x-protobuf (or application/protobuf) for a request body;
//   Accept: application/x-protobuf (or application/protobuf) for the answer.
// Requests are read strictly and refused with 400 rather than changed: unknown fields, a Value
// with no kind set (an empty message too) or with its kind set twice, NaN or Infinity in
// number_value, text that is not UTF-8, nesting deeper than 256 levels.
// Problems (4xx and 5xx answers) are always application/problem+json (RFC 9457), never Protobuf.
//
// These are the definitions of the well-known google/protobuf/struct.proto (package
// google.protobuf). If your toolchain ships the well-known types, use its struct.proto instead:
// the wire bytes are the same.
syntax = "proto3";

package google.protobuf;

// An object: its members by name.
message Struct {
  map<string, Value> fields = 1;
}

// One JSON value: exactly one kind is set.
message Value {
  oneof kind {
    NullValue null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}

// JSON null.
enum NullValue {
  NULL_VALUE = 0;
}

// An array.
message ListValue {
  repeated Value values = 1;
}
`;
