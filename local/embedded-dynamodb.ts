import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { type TableDefinition, toCreateTableInput } from '../shared/adapters/dynamodb/table-definitions';

/** A running DynamoDB-compatible endpoint and how to stop it. */
export type EmbeddedDynamoDb = { endpoint: string; close: () => Promise<void> };

/** Client settings for dynalite, which accepts any region and credentials. */
export const EMBEDDED_CLIENT_CONFIG: DynamoDBClientConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/**
 * Starts dynalite (DynamoDB's API on LevelDB) on a free loopback port: in memory, or persisted
 * in `dataDir`. Table state changes are instant. dynalite has no transactions and no TTL
 * deletion, so nothing here relies on them.
 *
 * @example const db = await startEmbeddedDynamoDb(); // db.endpoint === 'http://127.0.0.1:41234'
 */
export async function startEmbeddedDynamoDb(dataDir?: string): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(dataDir && { path: dataDir }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/**
 * Creates each table from the same definitions the CDK stack uses; tables that already exist
 * (a persisted `--data` folder, a shared endpoint) are left as they are.
 *
 * @param names - physical table name per definition id
 * @param clientConfig - region and credentials; dynalite accepts any
 */
export async function ensureTables(
  endpoint: string,
  definitions: readonly TableDefinition[],
  names: Record<string, string>,
  clientConfig: DynamoDBClientConfig = {},
): Promise<void> {
  const client = new DynamoDBClient({ ...clientConfig, endpoint });
  try {
    for (const definition of definitions) {
      try {
        await client.send(new CreateTableCommand(toCreateTableInput(definition, names[definition.id] as string)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}
