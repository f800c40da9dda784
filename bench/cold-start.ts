import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { functionManifest, functionNames, LAZY_LOADED_PACKAGES, requiredSettings } from '../functions/manifest';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where bundles, source maps and metafiles are written (gitignored). */
export const OUT_DIR = join(ROOT, 'bench', '.out');
const TIMER = join(ROOT, 'bench', 'import-timer.mjs');

/**
 * The esbuild options the CDK's `NodejsFunction` passes (ESM, minified, source maps, AWS SDK
 * bundled, `require` shim banner), except the target: the Lambda runs node22, this machine node20.
 * Main fields are esbuild's defaults for platform node (the construct adds none unless configured).
 */
export const CDK_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: true,
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'silent',
  absWorkingDir: ROOT,
  // As deployed: the lazily loaded libraries (binary formats, JSONata) ship in node_modules beside the bundle (`nodeModules`).
  external: [...LAZY_LOADED_PACKAGES],
};

/** What a benchmark arm is: a Lambda function of the project, a baseline, or a diagnostic bundle. */
export type ArmKind = 'function' | 'baseline' | 'diagnostic';

/** One bundle to build and import. */
export type Arm = {
  name: string;
  kind: ArmKind;
  description: string;
  /** An entry file relative to the root, or inline TypeScript (bundled from the root). */
  entry: { file: string } | { source: string };
  /**
   * Bundle the packages that deploy beside it (`LAZY_LOADED_PACKAGES`) into it instead, as the
   * functions were built before those moved out: the "before" of the formats' cold-start comparison.
   */
  inlineLazyPackages?: true;
};

/** Name of the arm that is `name` built with its lazily loaded packages bundled in. */
export const inlinedArmName = (name: string) => `${name}+inlined`;

/** A built arm: its output file and size, and the metafile for the size breakdown. */
export type BuiltArm = Arm & { outfile: string; bytes: number; metafile: Metafile };

/** An arm whose bundle could not be built. */
export type FailedArm = Arm & { error: string };

const SDK_CLIENTS = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
`;

/**
 * The arms: one per function of the manifest (`functions/manifest.ts`), the two baselines the targets compare against
 * (SDK-only: constructs the same DynamoDB clients and exports a trivial handler; empty), and two
 * diagnostics that split the difference (SDK + Powertools observability; the Tracer alone).
 */
export function coldStartArms(): Arm[] {
  const functions = [...functionNames].sort().map(
    (name): Arm => ({
      name,
      kind: 'function',
      description: functionManifest[name].entry,
      entry: { file: functionManifest[name].entry },
    }),
  );
  const inlined = functions
    .filter((arm) => {
      const trigger = functionManifest[arm.name as keyof typeof functionManifest].trigger;
      return trigger === 'http' || trigger === 'sqs';
    })
    .map(
      (arm): Arm => ({
        ...arm,
        name: inlinedArmName(arm.name),
        kind: 'diagnostic',
        description: `${arm.description} with ${LAZY_LOADED_PACKAGES.join(', ')} bundled in`,
        inlineLazyPackages: true,
      }),
    );
  return [
    ...functions,
    ...inlined,
    {
      name: 'sdk-only',
      kind: 'baseline',
      description: 'new DynamoDBClient({}) + DynamoDBDocumentClient.from(...), trivial handler',
      entry: {
        source: `${SDK_CLIENTS}export const handler = async () => ({ statusCode: 200, body: String(client !== undefined) });\n`,
      },
    },
    {
      name: 'empty',
      kind: 'baseline',
      description: 'a handler that imports nothing',
      entry: { source: `export const handler = async () => ({ statusCode: 200, body: '' });\n` },
    },
    {
      name: 'sdk+powertools',
      kind: 'diagnostic',
      description: 'sdk-only + createObservability() (Logger, Metrics, Tracer)',
      entry: {
        source:
          `${SDK_CLIENTS}import { createObservability } from './shared/observability/powertools';\n` +
          `const observability = createObservability('bench');\n` +
          `export const handler = async () => ({ statusCode: 200, body: String(client !== undefined && observability !== undefined) });\n`,
      },
    },
    {
      name: 'tracer-only',
      kind: 'diagnostic',
      description: 'new Tracer({ serviceName }) alone (pulls in aws-xray-sdk-core)',
      entry: {
        source:
          `import { Tracer } from '@aws-lambda-powertools/tracer';\n` +
          `const tracer = new Tracer({ serviceName: 'bench' });\n` +
          `export const handler = async () => ({ statusCode: 200, body: String(tracer !== undefined) });\n`,
      },
    },
  ];
}

/**
 * Bundles every arm into `bench/.out/<name>.mjs` (plus `.map` and `.meta.json`). A bundle that
 * fails (e.g. a module another change is still writing) is reported, not thrown.
 */
export async function buildArms(arms: readonly Arm[]): Promise<{ built: BuiltArm[]; failed: FailedArm[] }> {
  mkdirSync(OUT_DIR, { recursive: true });
  const built: BuiltArm[] = [];
  const failed: FailedArm[] = [];
  for (const arm of arms) {
    const outfile = join(OUT_DIR, `${arm.name}.mjs`);
    try {
      const result = await build({
        ...CDK_BUILD_OPTIONS,
        ...(arm.inlineLazyPackages && { external: [] }),
        outfile,
        ...('file' in arm.entry
          ? { entryPoints: [arm.entry.file] }
          : { stdin: { contents: arm.entry.source, resolveDir: ROOT, sourcefile: `${arm.name}.ts`, loader: 'ts' } }),
      });
      const metafile = result.metafile as Metafile;
      writeFileSync(join(OUT_DIR, `${arm.name}.meta.json`), JSON.stringify(metafile));
      built.push({ ...arm, outfile, bytes: statSync(outfile).size, metafile });
    } catch (error) {
      const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors;
      const text = errors?.length
        ? errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ')
        : (error as Error).message;
      failed.push({ ...arm, error: text });
    }
  }
  return { built, failed };
}

/** The minified bytes one package contributes to a bundle. */
export type PackageContribution = { name: string; bytes: number };

/**
 * Groups a bundle's inputs by package (the last `node_modules/<pkg>` or `node_modules/@scope/pkg`
 * in the path; the project's own files as `(project)`), using esbuild's `bytesInOutput`, i.e. the
 * minified bytes each input contributes to the output file. Largest first.
 */
export function packageContributions(arm: BuiltArm): PackageContribution[] {
  const output = arm.metafile.outputs[relative(ROOT, arm.outfile).split('\\').join('/')];
  if (!output) throw new Error(`metafile of ${arm.name} has no output ${arm.outfile}`);
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageName(path);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Bytes a bundle holds from the project's own code around the lazily loaded libraries (the
 * MessagePack, CBOR and Protobuf codecs and their structure walks, the contract media and `.proto`
 * decoders, the JSONata engine adapter): what those features add to a function that loads the
 * libraries on first use.
 */
export function formatGlueBytes(arm: BuiltArm): number {
  const output = arm.metafile.outputs[relative(ROOT, arm.outfile).split('\\').join('/')];
  if (!output) throw new Error(`metafile of ${arm.name} has no output ${arm.outfile}`);
  return Object.entries(output.inputs)
    .filter(
      ([path]) =>
        !path.includes('node_modules/') &&
        /^shared\/(http\/codecs\/(msgpack|cbor|protobuf)-|domain\/contracts\/(media\/binary|protobuf\/)|adapters\/jsonata\/)/.test(
          path,
        ),
    )
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

/**
 * Bytes the lazily loaded packages and their dependencies take installed (every file, as
 * `nodeModules` ships them unzipped), read from this checkout's node_modules.
 */
export function lazyPackagesInstalledBytes(): number {
  const sizeOf = (path: string): number => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((sum, child) => sum + sizeOf(join(path, child)), 0);
  };
  const seen = new Set<string>();
  const pending: string[] = [...LAZY_LOADED_PACKAGES];
  let bytes = 0;
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const directory = join(ROOT, 'node_modules', name);
    bytes += sizeOf(directory);
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    pending.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return bytes;
}

/** True for packages of the AWS SDK itself (`@aws-sdk/*`, `@smithy/*`). */
export function isSdkPackage(name: string): boolean {
  return name.startsWith('@aws-sdk/') || name.startsWith('@smithy/');
}

function packageName(inputPath: string): string {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at < 0) return '(project)';
  const [first = '', second = ''] = inputPath.slice(at + marker.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

const BENCH_AWS_SETTINGS: Readonly<Record<string, string>> = {
  EVENT_BUS_NAME: 'bench-bus',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench',
  DELIVERY_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:bench',
  EVENTS_DLQ_ARN: 'arn:aws:sqs:us-east-1:123456789012:bench-dlq',
  EVENT_BUS_ARN: 'arn:aws:events:us-east-1:123456789012:event-bus/bench-bus',
  EVENT_ARCHIVE_ARN: 'arn:aws:events:us-east-1:123456789012:archive/bench',
  AUTH_ISSUER: 'https://issuer.bench.example',
  AUTH_JWKS_URL: 'https://issuer.bench.example/.well-known/jwks.json',
};

/** Settings no function requires alone but one needs to start: the authorizer's mode (JWT: an audience). */
const BENCH_MODE_SETTINGS: Readonly<Record<string, string>> = { AUTH_AUDIENCE: 'bench-audience' };

/**
 * Placeholder values of every setting a function of the manifest requires at import (its tables and
 * AWS settings): a table's variable is `bench-<id>`, an ARN or URL a well-formed fake.
 */
export const BENCH_FUNCTION_SETTINGS: Readonly<Record<string, string>> = Object.fromEntries(
  [...new Set(functionNames.flatMap((name) => requiredSettings(name)))].map((setting) => [
    setting,
    BENCH_AWS_SETTINGS[setting] ?? `bench-${setting.toLowerCase().replace(/_table$/, '')}`,
  ]),
);

/**
 * Bytes in a bundle from local-only code (`local/` and `shared/adapters/local/`): the local runner
 * and its in-process adapters must never reach a Lambda bundle (target 0).
 */
export function localCodeBytes(arm: BuiltArm): number {
  const output = arm.metafile.outputs[relative(ROOT, arm.outfile).split('\\').join('/')];
  if (!output) throw new Error(`metafile of ${arm.name} has no output ${arm.outfile}`);
  return Object.entries(output.inputs)
    .filter(
      ([path]) =>
        !path.includes('node_modules/') && (path.startsWith('local/') || path.startsWith('shared/adapters/local/')),
    )
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

/** Environment of the cold-start child processes: what a Lambda sandbox sets, with dummy credentials. */
export function lambdaLikeEnv(functionName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Powertools keeps its defaults (as in Lambda); nothing from this shell's AWS or Node setup leaks in.
    if (/^(POWERTOOLS_|AWS_|NODE_OPTIONS$|TSX_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    ...BENCH_FUNCTION_SETTINGS,
    ...BENCH_MODE_SETTINGS,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCHDUMMY000000',
    AWS_SECRET_ACCESS_KEY: 'bench-dummy-secret',
    AWS_SESSION_TOKEN: 'bench-dummy-token',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: `bench-${functionName}`,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/bench-${functionName}`,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    LAMBDA_TASK_ROOT: OUT_DIR,
    // The SDK warns on Node 20 that future releases need Node 22; the Lambda runs Node 22 and never prints it.
    NODE_NO_WARNINGS: '1',
  };
}

/** One import of one bundle in a fresh `node` process. */
export type ImportSample = {
  /** Time of `await import(bundle)` alone. */
  importNs: number;
  /** Process start (Node's timeOrigin) until the import resolved: runtime bootstrap + import. */
  readyNs: number;
  handler: string;
  network: string[];
};

/**
 * Imports a bundle once in a fresh `node` process (no flags, Lambda-like environment).
 *
 * @param lingerMs - keep the process alive this long after the import to catch delayed network I/O
 * @throws {Error} with the child's stderr when the import fails
 */
export function importOnce(arm: BuiltArm, lingerMs = 0): ImportSample {
  const child = spawnSync(process.execPath, [TIMER, arm.outfile, String(lingerMs)], {
    cwd: OUT_DIR,
    env: lambdaLikeEnv(arm.name),
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('@@bench '));
  if (child.status !== 0 || !line) {
    throw new Error(
      `importing ${arm.name} failed (exit ${child.status}): ${(child.stderr ?? '').trim().slice(0, 2000)}`,
    );
  }
  return JSON.parse(line.slice('@@bench '.length)) as ImportSample;
}

/** Samples per arm, in the order they were taken. */
export type ColdStartSamples = Map<string, { importNs: number[]; readyNs: number[] }>;

/**
 * Imports every arm `rounds` times, interleaved: each round runs every arm once, starting at a
 * different arm each round, so drift (thermal, page cache, other load) hits every arm alike.
 * `warmup` extra rounds run first and are discarded.
 */
export function measureColdStarts(arms: readonly BuiltArm[], rounds: number, warmup: number): ColdStartSamples {
  const samples: ColdStartSamples = new Map(arms.map((arm) => [arm.name, { importNs: [], readyNs: [] }]));
  for (let round = 0; round < warmup + rounds; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(round + i) % arms.length] as BuiltArm;
      const sample = importOnce(arm);
      if (round < warmup) continue;
      const entry = samples.get(arm.name);
      entry?.importNs.push(sample.importNs);
      entry?.readyNs.push(sample.readyNs);
    }
  }
  return samples;
}
