import * as z from 'zod';

const ConfigSchema = z.object({
  CONTRACTS_TABLE: z.string().min(1),
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

/**
 * Parses the environment once (per cold start, when a handler module is loaded).
 *
 * @throws {Error} naming every missing or invalid variable — a deployment defect, not client input
 * @example const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
