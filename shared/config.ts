import * as z from 'zod';

const ConfigSchema = z.object({
  /** Table names, set by `bindTable` in infra (and by the local runner); each function gets only its own. */
  CONTRACTS_TABLE: z.string().min(1).optional(),
  ERRORS_TABLE: z.string().min(1).optional(),
  /** Name of the framework's EventBridge custom bus (AWS mode). */
  EVENT_BUS_NAME: z.string().min(1).optional(),
  /** `eventbridge` publishes to EVENT_BUS_NAME; `local` to the in-process bus of the local runner. */
  EVENT_BUS_MODE: z.enum(['eventbridge', 'local']).default('eventbridge'),
  /** How long a Lambda instance caches the stored error policies, milliseconds. */
  ERROR_POLICY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Largest accepted request body, bytes. API Gateway REST accepts 10 MB and Lambda 6 MB of payload; contracts stay far below. */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  /** Endpoint override for DynamoDB (dynalite locally, LocalStack…); the SDK also reads AWS_ENDPOINT_URL(_DYNAMODB) itself. */
  DYNAMODB_ENDPOINT: z.url().optional(),
});

/** The functions' configuration, from environment variables. */
export type Config = z.infer<typeof ConfigSchema>;

/** Settings that are optional in general but that a particular function cannot run without. */
type OptionalSetting = { [K in keyof Config]-?: undefined extends Config[K] ? K : never }[keyof Config];

/**
 * Parses the environment once (per cold start, when a handler module is loaded).
 *
 * @param required - settings this function cannot run without (its tables, the bus name)
 * @throws {Error} naming every missing or invalid variable — a deployment defect, not client input
 * @example const config = loadConfig(['CONTRACTS_TABLE']);
 */
export function loadConfig<K extends OptionalSetting = never>(
  required: readonly K[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Config & { [P in K]-?: NonNullable<Config[P]> } {
  const parsed = ConfigSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  for (const name of required) {
    if (parsed.success && parsed.data[name] === undefined) problems.push(`${name}: is required by this function`);
  }
  if (!parsed.success || problems.length > 0) throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  return parsed.data as Config & { [P in K]-?: NonNullable<Config[P]> };
}
