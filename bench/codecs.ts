import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode } from 'cbor2';
import protobuf from 'protobufjs';
import protojson from 'protobufjs/ext/protojson.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Codec } from '../shared/http/codecs/codec';
import { decodeStrict } from '../shared/http/codecs/decode-strict';
import { API_PROTO_SOURCE } from '../shared/http/codecs/protobuf-api-proto';
import { codecRegistry } from '../shared/http/codecs/registry';
import { median } from './stats';

/** Settings of the codec benchmark: interleaved rounds, each one batch of about `batchMs` per arm. */
export type CodecBenchOptions = { rounds: number; batchMs: number };

/** One payload of the walkthrough (docs/walkthrough.md), as the JSON value a client sends or receives. */
export type SamplePayload = { name: string; value: unknown };

/** Throughput of one format on one payload: our codec (strict decode + encode) vs its library called directly. */
export type CodecThroughput = {
  format: string;
  payload: string;
  /** `decodeStrict(codec, bytes)` then `codec.encode(value)`, per second (median of rounds). */
  oursOpsPerSecond: number;
  /** The library's own decode then encode of the same bytes, per second. */
  libraryOpsPerSecond: number;
  /** ours ÷ library (ops/s). */
  ratio: number;
};

/** A library's plain decode/encode, the baseline each codec is compared with. */
type Baseline = { decode(bytes: Buffer): unknown; encode(value: unknown): unknown };

// google.protobuf.Value from the .proto the API serves, as a client compiles it.
const ProtobufValue = protobuf.parse(API_PROTO_SOURCE).root.lookupType('google.protobuf.Value');

/**
 * The library each format's codec wraps, called the simplest way (no bounds, no JSON-model
 * mapping): what a handler would do without our codec layer. Protobuf: protobufjs on the served
 * `.proto` with its proto3 JSON mapping (`protojson`), as a client would read and write a Value.
 */
const BASELINES: Record<string, Baseline> = {
  json: { decode: (bytes) => JSON.parse(bytes.toString('utf8')), encode: (value) => JSON.stringify(value) },
  msgpack: { decode: (bytes) => msgpackDecode(bytes), encode: (value) => msgpackEncode(value) },
  cbor: { decode: (bytes) => cborDecode(bytes), encode: (value) => cborEncode(value) },
  yaml: { decode: (bytes) => parseYaml(bytes.toString('utf8')), encode: (value) => stringifyYaml(value) },
  protobuf: {
    decode: (bytes) => protojson.toJson(ProtobufValue, ProtobufValue.decode(bytes)),
    encode: (value) => ProtobufValue.encode(protojson.fromJson(ProtobufValue, value)).finish(),
  },
};

/**
 * The walkthrough's (docs/walkthrough.md) request and answer bodies: a two-event publish batch, a service instance
 * registration, a validate request and its answer with errors, and the Petstore contract as
 * `GET /v1/contracts/petstore` answers it (the largest).
 */
export function samplePayloads(root: string): SamplePayload[] {
  const event = (id: string, orderId: string, total: number, timestamp: number) => ({
    id,
    type: 'order.created',
    version: '1.0.0',
    source: 'shop',
    timestamp,
    payload: { orderId, total },
  });
  const petstore = parseYaml(readFileSync(join(root, 'test/fixtures/openapi/oai/v3.0/petstore-expanded.yaml'), 'utf8'));
  return [
    {
      name: 'publish 2 events',
      value: [event('evt-1', 'o-1', 150, 1796040000000), event('evt-2', 'o-2', 50, 1796040001000)],
    },
    {
      name: 'register instance',
      value: {
        id: 'orders-a',
        name: 'orders',
        version: '1.0.0',
        endpoint: 'http://localhost:5001',
        healthEndpoint: 'http://localhost:5001/health',
        weight: 50,
      },
    },
    {
      name: 'validate request',
      value: { method: 'POST', path: '/pets', request: { body: { name: 'Rex', tag: 'dog' } } },
    },
    {
      name: 'validate answer',
      value: {
        valid: false,
        errors: [
          { instancePath: '/body/name', keyword: 'required', message: "must have required property 'name'" },
          { instancePath: '/body/tag', keyword: 'type', message: 'must be string' },
        ],
        version: '1.0.0',
        endpoint: 'POST /pets',
      },
    },
    { name: 'petstore OpenAPI', value: petstore },
  ];
}

/** The codecs of the registry that a client may send or ask for, with the baseline each is measured against. */
export function benchedCodecs(): Codec[] {
  return codecRegistry.codecs.filter((codec) => BASELINES[codec.name] !== undefined);
}

/** Bytes of each payload in each format, as our codecs encode it. */
export async function bytesPerFormat(
  payloads: readonly SamplePayload[],
): Promise<Array<{ payload: string; bytes: Record<string, number> }>> {
  const codecs = codecRegistry.codecs;
  const rows: Array<{ payload: string; bytes: Record<string, number> }> = [];
  for (const payload of payloads) {
    const bytes: Record<string, number> = {};
    for (const codec of codecs) bytes[codec.label] = Buffer.byteLength(await codec.encode(payload.value));
    rows.push({ payload: payload.name, bytes });
  }
  return rows;
}

let sink = 0;

async function timeOps(fn: () => unknown, ops: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) {
    const result = fn();
    // Our codecs answer promises (libraries load on first use); awaited only when they are.
    if (result instanceof Promise) sink += (await result) === undefined ? 0 : 1;
    else sink += result === undefined ? 0 : 1;
  }
  return Number(process.hrtime.bigint() - start);
}

async function opsForDuration(fn: () => unknown, ms: number): Promise<number> {
  let ops = 16;
  for (;;) {
    const ns = await timeOps(fn, ops);
    if (ns >= 2e6) return Math.max(16, Math.round((ops * ms * 1e6) / ns));
    ops *= 2;
  }
}

/**
 * Round trip (decode then encode) per format and payload: our codec through `decodeStrict` (the
 * request pipeline's path: library decode, JSON-model mapping, depth/value bounds) and the codec's
 * `encode` (JSON-model answer mapping), against the library's decode and encode called directly on
 * the same bytes. Batches alternate which arm goes first; the ratio is of median ops/s.
 *
 * @throws {Error} when the two arms decode a payload to different values (the comparison would be meaningless)
 */
export async function benchCodecThroughput(
  payloads: readonly SamplePayload[],
  options: CodecBenchOptions,
): Promise<CodecThroughput[]> {
  const results: CodecThroughput[] = [];
  for (const codec of benchedCodecs()) {
    const baseline = BASELINES[codec.name] as Baseline;
    for (const payload of payloads) {
      const encoded = await codec.encode(payload.value);
      const bytes = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
      // As the pipeline runs it: synchronous once a codec's library is loaded (the bench loads them above).
      const ours = () => {
        const decoded = decodeStrict(codec, bytes);
        return decoded instanceof Promise ? decoded.then((value) => codec.encode(value)) : codec.encode(decoded);
      };
      const direct = () => baseline.encode(baseline.decode(bytes));
      const decodedByUs = await decodeStrict(codec, bytes);
      if (JSON.stringify(decodedByUs) !== JSON.stringify(baseline.decode(bytes))) {
        throw new Error(`codec bench: ${codec.label} decodes "${payload.name}" differently from its library`);
      }
      const oursOps = await opsForDuration(ours, options.batchMs);
      const directOps = await opsForDuration(direct, options.batchMs);
      const oursRates: number[] = [];
      const directRates: number[] = [];
      for (let round = 0; round < options.rounds; round++) {
        const runOurs = async () => oursRates.push((oursOps * 1e9) / (await timeOps(ours, oursOps)));
        const runDirect = async () => directRates.push((directOps * 1e9) / (await timeOps(direct, directOps)));
        if (round % 2 === 0) {
          await runOurs();
          await runDirect();
        } else {
          await runDirect();
          await runOurs();
        }
      }
      const oursOpsPerSecond = median(oursRates);
      const libraryOpsPerSecond = median(directRates);
      results.push({
        format: codec.label,
        payload: payload.name,
        oursOpsPerSecond,
        libraryOpsPerSecond,
        ratio: oursOpsPerSecond / libraryOpsPerSecond,
      });
    }
  }
  return results;
}

/** Keeps the loops' results observable so the JIT cannot drop them. */
export function codecSink(): number {
  return sink;
}
