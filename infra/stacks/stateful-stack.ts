import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  type ITableV2,
  ProjectionType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import {
  type KeyAttribute,
  type TableDefinition,
  tableDefinitions,
} from '../../shared/adapters/dynamodb/table-definitions';

/** Props of the {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /**
   * The tables to create. The local runner creates its tables from the same list, so keys and
   * indexes cannot drift between the two modes.
   *
   * @default tableDefinitions
   */
  readonly tables?: readonly TableDefinition[];
}

/**
 * Everything that holds data and must outlive redeployments of the API: one DynamoDB table per
 * table definition. Tables are on-demand, point-in-time recoverable, encrypted with the AWS
 * managed key, deletion protected and retained when the stack is deleted; the stack itself is
 * termination protected by default.
 *
 * @example
 * const stateful = new StatefulStack(app, 'Aif-dev-Stateful');
 * stateful.tables.Contracts; // ITableV2
 */
export class StatefulStack extends Stack {
  /** The tables keyed by definition id (`Contracts`). */
  readonly tables: Record<string, ITableV2>;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, { terminationProtection: true, ...props });
    this.tables = Object.fromEntries(
      (props.tables ?? tableDefinitions).map((definition) => [definition.id, createTable(this, definition)]),
    );
  }
}

function createTable(scope: Construct, definition: TableDefinition): TableV2 {
  return new TableV2(scope, definition.id, {
    partitionKey: toAttribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: toAttribute(definition.sortKey) }),
    billing: Billing.onDemand(),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // The AWS managed key (alias/aws/dynamodb) makes the encryption visible in the template and in
    // CloudTrail at no key-management cost; a customer managed key can replace it without a rebuild.
    encryption: TableEncryptionV2.awsManagedKey(),
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(definition.timeToLiveAttribute && { timeToLiveAttribute: definition.timeToLiveAttribute }),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      ...(index.sortKey && { sortKey: toAttribute(index.sortKey) }),
      projectionType: ProjectionType.ALL,
    })),
  });
}

const ATTRIBUTE_TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

function toAttribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}
