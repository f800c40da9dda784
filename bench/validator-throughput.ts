import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { CompiledContract } from '../shared/domain/contracts/validator';
import { INVALID_PET, NEW_PET_SCHEMA, PETSTORE_VERSION, VALID_PET } from './fixtures';
import { median } from './stats';

/** Settings of the validator throughput benchmark. */
export type ThroughputOptions = { rounds: number; batchMs: number };

/** Throughput of both arms for one payload, medians over interleaved batches. */
export type ThroughputResult = {
  payload: 'valid' | 'invalid';
  oursOpsPerSecond: number;
  ajvOpsPerSecond: number;
  /** ours ÷ ajv, as ops/s. */
  ratio: number;
  /** Errors each arm reported for the payload (they must agree). */
  errors: { ours: number; ajv: number };
  /** Diagnostic: `CompiledContract.resolveEndpoint('POST', '/pets')` alone, ops/s. */
  resolveEndpointOpsPerSecond: number;
};

let sink = 0;

function timeOps(fn: () => boolean, ops: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) if (fn()) sink++;
  return Number(process.hrtime.bigint() - start);
}

function opsForDuration(fn: () => boolean, ms: number): number {
  let ops = 64;
  for (;;) {
    const ns = timeOps(fn, ops);
    if (ns >= 2e6) return Math.max(64, Math.round((ops * ms * 1e6) / ns));
    ops *= 2;
  }
}

/**
 * Compares `CompiledContract.validateRequest('POST', '/pets', { body })` (endpoint resolution,
 * body, query, header and path-parameter validation, error mapping) with an Ajv 2020 validator
 * compiled directly on the `NewPet` schema (`allErrors`, `strict: false`, ajv-formats), for a
 * valid and an invalid payload. Each round runs one batch per arm (alternating which goes first);
 * a batch lasts about `batchMs`. Returns median ops/s per arm and their ratio, plus the rate of
 * endpoint resolution alone (every third round) to show where our extra time goes.
 */
export function benchValidatorThroughput(options: ThroughputOptions): ThroughputResult[] {
  const compiled = new CompiledContract(PETSTORE_VERSION);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(NEW_PET_SCHEMA);

  return (['valid', 'invalid'] as const).map((payload) => {
    const body = payload === 'valid' ? VALID_PET : INVALID_PET;
    // Distinct but equal objects, as parsed requests would be, so neither arm sees one object only.
    const bodies = Array.from({ length: 64 }, () => JSON.parse(JSON.stringify(body)) as unknown);
    let next = 0;
    const ours = () => compiled.validateRequest('POST', '/pets', { body: bodies[next++ & 63] }).valid;
    const direct = () => validate(bodies[next++ & 63]);
    const resolve = () => compiled.resolveEndpoint('POST', '/pets').index === 0;
    const oursOutcome = compiled.validateRequest('POST', '/pets', { body });
    const ajvValid = validate(body);
    const ajvErrors = validate.errors?.length ?? 0;
    if (oursOutcome.valid !== (payload === 'valid') || ajvValid !== oursOutcome.valid) {
      throw new Error(`validator bench: arms disagree on the ${payload} payload: ${JSON.stringify(oursOutcome)}`);
    }

    const oursOps = opsForDuration(ours, options.batchMs);
    const ajvOps = opsForDuration(direct, options.batchMs);
    const resolveOps = opsForDuration(resolve, options.batchMs);
    const oursRates: number[] = [];
    const ajvRates: number[] = [];
    const resolveRates: number[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const runOurs = () => oursRates.push((oursOps * 1e9) / timeOps(ours, oursOps));
      const runAjv = () => ajvRates.push((ajvOps * 1e9) / timeOps(direct, ajvOps));
      if (round % 2 === 0) {
        runOurs();
        runAjv();
      } else {
        runAjv();
        runOurs();
      }
      if (round % 3 === 0) resolveRates.push((resolveOps * 1e9) / timeOps(resolve, resolveOps));
    }
    const oursOpsPerSecond = median(oursRates);
    const ajvOpsPerSecond = median(ajvRates);
    return {
      payload,
      oursOpsPerSecond,
      ajvOpsPerSecond,
      ratio: oursOpsPerSecond / ajvOpsPerSecond,
      errors: { ours: oursOutcome.errors.length, ajv: ajvErrors },
      resolveEndpointOpsPerSecond: median(resolveRates),
    };
  });
}

/** Keeps the benchmark loops' results observable so the JIT cannot drop them. */
export function validatorSink(): number {
  return sink;
}
