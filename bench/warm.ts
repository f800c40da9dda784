import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { contractOperations, createContractsHandler } from '../functions/contracts/app';
import type { ContractsFunctionDeps } from '../functions/contracts/transformer-operations';
import { transformerDeps } from '../functions/contracts/wiring';
import { routes } from '../functions/routes';
import { DynamoDbTransformerRepository } from '../shared/adapters/dynamodb/transformer-repository';
import { UNAUTHENTICATED_TENANT } from '../shared/domain/auth/owner';
import { CompiledContractCache } from '../shared/domain/contracts/validator';
import { httpPipeline } from '../shared/middleware/http-api';
import { createObservability } from '../shared/observability/powertools';
import { systemClock } from '../shared/ports/clock';
import { validateRequest } from '../shared/use-cases/validate-traffic';
import { FixedContractRepository, lambdaContext, NEW_PET_SCHEMA, validateRequestEvent } from './fixtures';
import { quantile } from './stats';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Settings of the warm route benchmark. */
export type WarmOptions = { rounds: number; batch: number; warmupCalls: number };

/** Per-call statistics of one arm, nanoseconds. */
export type ArmStats = { p50: number; p90: number; p99: number; mean: number };

/** Result of the warm route benchmark. */
export type WarmResult = {
  /** Where `contractOperations` came from (the handler module, or the inline copy when it cannot be imported). */
  operationsSource: string;
  /** Calls timed per arm. */
  calls: number;
  /** The full route (middy + router + operation). */
  route: ArmStats;
  /** The bare handler the target compares against. */
  bare: ArmStats;
  /** Diagnostics: the router without the middy chain, and the use case called directly. */
  routerOnly: ArmStats;
  useCaseOnly: ArmStats;
};

/**
 * The full warm path of `POST /v1/contracts/{name}/validate`: the contracts function's own factory
 * (`createContractsHandler`: middy with Powertools tracer, logger and metrics around the HTTP
 * pipeline — trace context, problem details, route, negotiation, body decoding, zod validation —
 * around the real operation and use case), with an in-memory repository holding the Petstore
 * contract. Also returns the pipeline without middy and the deps, for the diagnostic arms.
 */
export async function createRouteHandler(): Promise<{
  handler: Handler;
  router: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
  deps: ContractsFunctionDeps;
  source: string;
}> {
  const deps: ContractsFunctionDeps = {
    contracts: new FixedContractRepository(),
    compiled: new CompiledContractCache(64),
    // The transformer routes are not timed: a repository that is never called.
    ...transformerDeps(
      new DynamoDbTransformerRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'unused'),
      systemClock,
      2 * 1024 * 1024,
    ),
  };
  const options = { observability: createObservability('contracts'), maxBodyBytes: 2 * 1024 * 1024 };
  return {
    handler: createContractsHandler(deps, options),
    router: httpPipeline(routes, contractOperations, deps, options),
    deps,
    source: 'functions/contracts/app.ts → createContractsHandler',
  };
}

/**
 * The same work without the framework: parse the body, run an Ajv validator compiled directly on
 * the `NewPet` schema, serialize the result.
 */
export function createBareHandler(): Handler {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(NEW_PET_SCHEMA);
  return async (event) => {
    const input = JSON.parse(bodyText(event)) as { request: { body: unknown } };
    const valid = validate(input.request.body);
    const errors = (validate.errors ?? []).map((e) => ({
      instancePath: `/body${e.instancePath}`,
      keyword: e.keyword,
      message: e.message ?? e.keyword,
    }));
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ valid, errors, version: '1.0.0', endpoint: 'POST /pets' }),
    };
  };
}

async function timeEach(call: () => Promise<unknown>, calls: number, into: number[]): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await call();
    into.push(Number(process.hrtime.bigint() - start));
  }
}

function stats(samples: readonly number[]): ArmStats {
  return {
    p50: quantile(samples, 0.5),
    p90: quantile(samples, 0.9),
    p99: quantile(samples, 0.99),
    mean: samples.reduce((sum, s) => sum + s, 0) / samples.length,
  };
}

/**
 * Benchmarks the warm route against the bare handler, plus two diagnostic arms (the router
 * without middy; the `validateRequest` use case called directly). After a warm-up, `rounds`
 * interleaved batches of `batch` calls per arm (the arm order rotates each round), each call
 * timed on its own; percentiles are over all calls of an arm.
 *
 * @throws {Error} when an arm does not answer 200 with a valid result (the fixture is wrong)
 */
export async function benchWarmRoute(options: WarmOptions): Promise<WarmResult> {
  const { handler: route, router, deps, source } = await createRouteHandler();
  const bare = createBareHandler();
  const event = validateRequestEvent();
  const context = lambdaContext('contracts');
  const input = {
    tenant: UNAUTHENTICATED_TENANT,
    name: 'petstore',
    ...(JSON.parse(bodyText(event)) as { method: string; path: string; request: object }),
  };

  for (const [name, handler] of [
    ['route', route],
    ['bare', bare],
    ['router only', router],
  ] as const) {
    const response = await handler(event, context);
    const body = JSON.parse(response.body) as { valid?: boolean; endpoint?: string };
    if (response.statusCode !== 200 || body.valid !== true || body.endpoint !== 'POST /pets') {
      throw new Error(`warm bench: the ${name} arm answered ${response.statusCode} ${response.body}`);
    }
  }

  const arms: Array<{ name: keyof Omit<WarmResult, 'operationsSource' | 'calls'>; call: () => Promise<unknown> }> = [
    { name: 'route', call: () => route(event, context) },
    { name: 'bare', call: () => bare(event, context) },
    { name: 'routerOnly', call: () => router(event, context) },
    { name: 'useCaseOnly', call: () => validateRequest(deps, input) },
  ];
  for (const arm of arms) for (let i = 0; i < options.warmupCalls; i++) await arm.call();

  const samples = new Map<string, number[]>(arms.map((arm) => [arm.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(round + i) % arms.length] as (typeof arms)[number];
      await timeEach(arm.call, options.batch, samples.get(arm.name) as number[]);
    }
  }
  const of = (name: string) => stats(samples.get(name) as number[]);
  return {
    operationsSource: source,
    calls: options.rounds * options.batch,
    route: of('route'),
    bare: of('bare'),
    routerOnly: of('routerOnly'),
    useCaseOnly: of('useCaseOnly'),
  };
}

/** The request body as text: API Gateway (and the local runner) base64-encode every body (the API lists any type as binary). */
function bodyText(event: { body: string | null; isBase64Encoded: boolean }): string {
  return event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
}
