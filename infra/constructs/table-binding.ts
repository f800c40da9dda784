import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { TableDefinition } from '../../shared/adapters/dynamodb/table-definitions';

/** What a function may do with a table's items (and its indexes). */
export type TableAccess = 'read' | 'readWrite';

// The item-level actions of TableV2's grants.readData / readWriteData, without stream access
// (no function reads streams) and without Scan (no deployed function scans: every read is by key
// or a Query; only the local runner lists all subscriptions at start-up).
const READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:Query',
];
const WRITE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

/**
 * Gives a function a table: sets the environment variable the definition names (e.g.
 * `CONTRACTS_TABLE`) to the table's name and grants the access, in one call, so a function never
 * has the name of a table it may not use, or a grant without the name.
 *
 * The grant names the table and each of the definition's indexes. CDK's `grants.readData` would
 * grant `<table>/index/*` instead, a wildcard that cdk-nag (IAM5) can only be told to accept under
 * an id containing the cross-stack export's generated name.
 *
 * @param fn - the function that uses the table
 * @param table - the table, as the stateful stack exposes it
 * @param definition - the table's definition: its `envVar` is set, its indexes are granted
 * @param access - `read` (Get/BatchGet/Query/ConditionCheck/DescribeTable) or `readWrite` (plus Put/Update/Delete/BatchWrite)
 * @returns the IAM grant
 * @example
 * bindTable(contracts.function, stateful.tables.Contracts, contractsTable, 'readWrite');
 */
export function bindTable(
  fn: LambdaFunction,
  table: ITableV2,
  definition: TableDefinition,
  access: TableAccess,
): Grant {
  fn.addEnvironment(definition.envVar, table.tableName);
  return Grant.addToPrincipal({
    grantee: fn,
    actions: access === 'readWrite' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : READ_ACTIONS,
    resourceArns: [
      table.tableArn,
      ...definition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
    ],
  });
}
