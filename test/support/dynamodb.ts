import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { EMBEDDED_CLIENT_CONFIG, ensureTables } from '../../local/embedded-dynamodb';
import type { TableDefinition } from '../../shared/adapters/dynamodb/table-definitions';

/**
 * Creates a uniquely named table from a definition in the shared embedded dynalite and returns a
 * document client for it.
 */
export async function freshTable(
  definition: TableDefinition,
): Promise<{ client: DynamoDBDocumentClient; tableName: string }> {
  const endpoint = inject('dynamoDbEndpoint');
  const tableName = `test-${definition.id.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  await ensureTables(endpoint, [definition], { [definition.id]: tableName }, EMBEDDED_CLIENT_CONFIG);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...EMBEDDED_CLIENT_CONFIG, endpoint }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, tableName };
}
