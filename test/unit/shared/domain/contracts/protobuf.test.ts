import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../../../shared/domain/contracts/compatibility';
import {
  type ContractDocument,
  type ContractDocumentInput,
  ContractDocumentSchema,
} from '../../../../../shared/domain/contracts/contract';
import {
  decodeProtobuf,
  ProtoSourceError,
  parseProtoSource,
  protobufProblems,
  protobufWarnings,
} from '../../../../../shared/domain/contracts/protobuf';

const PROTO = 'application/x-protobuf';

const SHOP = `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";

enum Status {
  STATUS_UNSPECIFIED = 0;
  PAID = 1;
}

message Line {
  string sku = 1;
  uint32 quantity = 2;
}

message Order {
  string order_id = 1;
  int64 total_cents = 2;
  bytes signature = 3;
  Status status = 4;
  repeated Line lines = 5;
  map<string, string> labels = 6;
  google.protobuf.Timestamp created_at = 7;
}
`;

/** A contract whose POST /orders takes Protobuf `shop.v1.Order` bodies (or `message`). */
function orders(
  version: string,
  overrides: { message?: string | null; source?: string | null } = {},
): ContractDocument {
  const source = overrides.source === undefined ? SHOP : overrides.source;
  const doc: ContractDocumentInput = {
    name: 'orders',
    version,
    endpoints: [
      {
        path: '/orders',
        method: 'POST',
        requestSchema: 'Order',
        requestMediaTypes: { 'application/json': 'Order', [PROTO]: 'Order' },
        ...(overrides.message !== null && { requestMessage: overrides.message ?? 'shop.v1.Order' }),
      },
    ],
    schemas: { Order: { type: 'object', required: ['orderId'] } },
    ...(source !== null && { protobuf: { source } }),
  };
  return ContractDocumentSchema.parse(doc);
}

async function orderBytes(value: Record<string, unknown>): Promise<Uint8Array> {
  const root = await parseProtoSource(SHOP);
  const Order = root.lookupType('shop.v1.Order');
  return Order.encode(Order.fromObject(value)).finish();
}

const errorOf = async (source: string): Promise<ProtoSourceError> => {
  const error = await parseProtoSource(source).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProtoSourceError);
  return error as ProtoSourceError;
};

describe('contract Protobuf definitions', () => {
  describe('parseProtoSource', () => {
    it('names line and column of a syntax error', async () => {
      // Prepare: the ';' after "= 1" is missing, so "int64" on line 5 is unexpected.
      const source = 'syntax = "proto3";\npackage shop.v1;\nmessage Order {\n  string id = 1\n  int64 total = 2;\n}\n';

      // Act
      const error = await errorOf(source);

      // Assess
      expect([error.line, error.column]).toEqual([5, 3]);
      expect(error.message).toBe("line 5, column 3: illegal token 'int64', ';' expected");
    });

    it('names where the source ends when a definition is not closed', async () => {
      const error = await errorOf('syntax = "proto3";\nmessage A {\n  string id = 1;');

      expect(error.message).toBe('line 3, column 17: the source ends before the definition is complete');
    });

    it('names line and column of a type that does not resolve', async () => {
      const error = await errorOf('syntax = "proto3";\n\nmessage A {\n  Missing b = 1;\n}\n');

      expect([error.line, error.column]).toEqual([4, 3]);
      expect(error.reason).toMatch(/no such Type or Enum 'Missing'/);
    });

    it.each([
      ['0', 0],
      ['beyond 2^29 − 1', 536_870_912],
      ['in the range reserved for the implementation', 19_500],
    ])('names line and column of a field number protoc refuses: %s', async (_name, id) => {
      const error = await errorOf(`syntax = "proto3";\n\nmessage A {\n  string ok = 1;\n  string bad = ${id};\n}\n`);

      expect([error.line, error.column]).toEqual([5, 10]);
      expect(error.reason).toBe(
        `field 'bad' of A has number ${id}; field numbers are 1 to 536870911, except 19000 to 19999 (reserved for the Protocol Buffers implementation)`,
      );
    });

    it('accepts the highest field number and those around the reserved range', async () => {
      const root = await parseProtoSource(
        'syntax = "proto3";\nmessage A {\n  string a = 18999;\n  string b = 20000;\n  string c = 536870911;\n}\n',
      );

      expect(root.lookupType('A').fieldsArray.map((field) => field.id)).toEqual([18999, 20000, 536870911]);
    });

    it('refuses an import of a file the contract does not carry, and reads the well-known types', async () => {
      const error = await errorOf('syntax = "proto3";\nimport "other.proto";\nmessage A { string s = 1; }\n');
      const root = await parseProtoSource(SHOP);

      expect(error.reason).toMatch(/import 'other.proto' is not available/);
      expect(root.lookupType('google.protobuf.Timestamp').name).toBe('Timestamp');
    });
  });

  describe('protobufProblems', () => {
    it('refuses source that does not parse at /protobuf/source with line and column', async () => {
      // Act
      const problems = await protobufProblems(orders('1.0.0', { source: 'syntax = "proto3";\nmessage {\n' }));

      // Assess
      expect(problems).toEqual([
        {
          pointer: '/protobuf/source',
          message: "is not a valid .proto: line 2, column 9: illegal type name '{'",
          keyword: 'protobuf',
        },
      ]);
    });

    it('refuses a message name the source does not define, or names without any source', async () => {
      // Act
      const undefinedName = await protobufProblems(orders('1.0.0', { message: 'shop.v1.Basket' }));
      const enumName = await protobufProblems(orders('1.0.0', { message: 'shop.v1.Status' }));
      const noSource = await protobufProblems(orders('1.0.0', { source: null }));

      // Assess
      expect(undefinedName).toEqual([
        expect.objectContaining({
          pointer: '/endpoints/0/requestMessage',
          message: expect.stringMatching(/message shop\.v1\.Basket is not defined/),
        }),
      ]);
      expect(enumName.map((p) => p.pointer)).toEqual(['/endpoints/0/requestMessage']);
      expect(noSource).toEqual([expect.objectContaining({ message: expect.stringMatching(/no protobuf\.source/) })]);
    });

    it('accepts sound definitions, and a contract without any', async () => {
      expect(await protobufProblems(orders('1.0.0'))).toEqual([]);
      expect(await protobufProblems({ endpoints: [] })).toEqual([]);
    });
  });

  describe('protobufWarnings', () => {
    it('warns about a Protobuf media type declared without a message', () => {
      // Prepare
      const doc = ContractDocumentSchema.parse({
        name: 'legacy',
        version: '1.0.0',
        endpoints: [{ path: '/a', method: 'POST', requestMediaTypes: { 'application/protobuf': 'A' } }],
        schemas: { A: {} },
      });

      // Act
      const warnings = protobufWarnings(doc);

      // Assess
      expect(warnings).toEqual([
        expect.objectContaining({ pointer: '/endpoints/0/requestMediaTypes/application~1protobuf' }),
      ]);
    });
  });

  describe('decodeProtobuf', () => {
    it('maps the message to its proto3 JSON form: json names, int64 as strings, bytes base64, enums by name', async () => {
      // Prepare
      const bytes = await orderBytes({
        orderId: 'o-1',
        totalCents: '9007199254740993', // protobufjs's fromObject reads a decimal string into an int64
        signature: Buffer.from([1, 2, 3]),
        status: 1,
        lines: [{ sku: 'a', quantity: 2 }],
        labels: { channel: 'web' },
        createdAt: { seconds: 1_796_032_800, nanos: 0 },
      });

      // Act
      const decoded = await decodeProtobuf(bytes, { source: SHOP, message: 'shop.v1.Order' }, '/body');

      // Assess
      expect(decoded).toEqual({
        value: {
          orderId: 'o-1',
          totalCents: '9007199254740993',
          signature: 'AQID',
          status: 'PAID',
          lines: [{ sku: 'a', quantity: 2 }],
          labels: { channel: 'web' },
          createdAt: '2026-11-30T10:00:00Z',
        },
      });
    });

    it('leaves out fields that hold their default value, as proto3 JSON does', async () => {
      const decoded = await decodeProtobuf(
        await orderBytes({ orderId: '', totalCents: 0 }),
        { source: SHOP, message: '.shop.v1.Order' },
        '/body',
      );

      expect(decoded).toEqual({ value: {} });
    });

    it.each([
      ['truncated bytes', [0x0a, 0x05, 0x61], /ends before the fields it declares are complete/],
      ['a string that is not UTF-8', [0x0a, 0x02, 0xc3, 0x28], /a string field is not valid UTF-8/],
      [
        'a field the message does not declare',
        [0x0a, 0x01, 0x61, 0x78, 0x05],
        /1 field\(s\) the message does not declare/,
      ],
      ['a wrong wire type for a declared field', [0x0b], /invalid wire type|not valid shop\.v1\.Order/],
    ])('fails %s with a decode issue at /body', async (_name, bytes, message) => {
      // Act
      const decoded = await decodeProtobuf(Buffer.from(bytes), { source: SHOP, message: 'shop.v1.Order' }, '/body');

      // Assess
      expect(decoded.issues).toEqual([
        { instancePath: '/body', keyword: 'decode', message: expect.stringMatching(message) },
      ]);
    });
  });

  describe('compatibility', () => {
    it('accepts a new version with the same message', () => {
      expect(checkCompatibility(orders('1.0.0'), orders('1.1.0'), 'BACKWARD')).toEqual([]);
    });

    it('fails a new version whose Protobuf request bodies are another message', () => {
      // Act
      const issues = checkCompatibility(orders('1.0.0'), orders('2.0.0', { message: 'shop.v1.Line' }), 'FULL');

      // Assess
      expect(issues.map((i) => `${i.rule} ${i.pointer} ${i.document}`)).toEqual([
        'protobuf-message-changed /endpoints/0/requestMessage next',
      ]);
    });

    it('fails a new version that drops the .proto its Protobuf bodies need', () => {
      // Prepare: a new version still declaring the media type, without source (and so without message).
      const next = orders('2.0.0', { source: null, message: null });

      // Act
      const issues = checkCompatibility(orders('1.0.0'), next, 'BACKWARD');

      // Assess
      expect(issues.map((i) => i.rule)).toEqual(['protobuf-definitions-removed']);
    });
  });
});
