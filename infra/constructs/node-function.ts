import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel as EsbuildLogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: `projectRoot` of every bundle, and the base of `entry` paths. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Powertools log levels. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Props of a {@link NodeFunction}. */
export interface NodeFunctionProps {
  /** The handler module relative to the repository root, e.g. `functions/contracts/handler.ts`; it exports `handler`. */
  readonly entry: string;
  /** The capability the function serves, e.g. `contracts`: Powertools' `service` key and metric dimension. */
  readonly serviceName: string;
  /**
   * Extra environment variables; tables add theirs with `bindTable`.
   *
   * @default - none beyond the Powertools and Node.js settings
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Memory, MiB. Lambda allots CPU in proportion, and cold starts here are dominated by module loading.
   *
   * @default 1024
   */
  readonly memorySizeMb?: number;
  /**
   * Longest run of one invocation.
   *
   * @default Duration.seconds(29) - API Gateway's REST integration timeout; running longer only burns money
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log group keeps events.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Powertools log level.
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * What the function does, shown in the Lambda console.
   *
   * @default - none
   */
  readonly description?: string;
  /**
   * Concurrent executions reserved for the function — also its ceiling, so one capability cannot
   * take the account's whole concurrency, and a `Throttles` alarm fires when it is reached.
   *
   * @default - none: the function shares the account's unreserved pool, no alarm
   */
  readonly reservedConcurrency?: number;
  /**
   * Packages the code imports only dynamically (`import()` on first use): kept out of the bundle
   * and installed beside it in the deployment package's `node_modules` from the lock file
   * (NodejsFunction `bundling.nodeModules`), so that init neither parses nor evaluates them.
   *
   * @default - none: everything is bundled
   */
  readonly lazyPackages?: readonly string[];
}

// esbuild turns `require()` calls of CommonJS dependencies into a shim that throws in an ESM bundle
// unless a real `require` exists; createRequire provides one.
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * The one way this app defines a Lambda function: Node.js 22 on arm64, bundled by the locally
 * installed esbuild (no Docker) as minified ESM with source maps and the AWS SDK inside the bundle
 * (a pinned, tree-shaken SDK loads faster than the runtime's), X-Ray tracing, its own log group with
 * a retention, Powertools settings, and an execution role with no managed policies. It owns its
 * alarms: any error and any throttle within five minutes.
 *
 * @example
 * const contracts = new NodeFunction(this, 'Contracts', {
 *   entry: 'functions/contracts/handler.ts',
 *   serviceName: 'contracts',
 * });
 * table.grants.readWriteData(contracts.function);
 */
export class NodeFunction extends Construct {
  /** The Lambda function. */
  readonly function: NodejsFunction;
  /** Where the function logs; created here so its retention and removal are explicit. */
  readonly logGroup: LogGroup;
  /** Sum of `Errors` ≥ 1 over 5 minutes: the handler turns failures into problem responses, so an error is a crash, timeout or init failure. */
  readonly errorsAlarm: Alarm;
  /** Sum of `Throttles` ≥ 1 over 5 minutes: the account or reserved concurrency is exhausted. */
  readonly throttlesAlarm: Alarm;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });

    // Our own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole, which may write to every log group in the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.serviceName} function`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 1024,
      ...(props.reservedConcurrency !== undefined && { reservedConcurrentExecutions: props.reservedConcurrency }),
      timeout: props.timeout ?? Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      ...(props.description && { description: props.description }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'AgentIntegrationFramework',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // esbuild's info level prints every bundle's size ("index.mjs 1.5mb ⚠️") during `cdk synth`:
        // nothing to act on there (`npm run bench` reports and judges bundle sizes). ERROR, not
        // WARNING: NodejsFunction hands the same level to `npm ci --loglevel` when it installs the
        // lazy packages (`nodeModules`), and npm knows no "warning" level (it would warn about
        // that on every synth); esbuild prints no warning for these bundles today.
        logLevel: EsbuildLogLevel.ERROR,
        // NodejsFunction marks @aws-sdk/* external by default; bundle it instead.
        bundleAwsSDK: true,
        ...(props.lazyPackages?.length && { nodeModules: [...props.lazyPackages] }),
      },
    });
    // The role's policy is created lazily by grants; the function must not start before it exists.
    this.function.node.addDependency(role);

    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is pinned on purpose: the code targets the Node 22 runtime and its tests run on Node 20 (ARCHITECTURE.md), so a runtime upgrade is a deliberate, tested change rather than whatever the CDK release calls latest.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (Service Authorization Reference: AWS X-Ray), so their resource must be "*".',
      },
    );

    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `${props.serviceName} function: invocations failed (crash, timeout or initialization error)`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.throttlesAlarm = new Alarm(this, 'ThrottlesAlarm', {
      alarmDescription: `${props.serviceName} function: invocations throttled (concurrency exhausted)`,
      metric: this.function.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
