import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb } from '../local/embedded-dynamodb';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the embedded dynalite that integration tests share (each test file makes its own tables). */
    dynamoDbEndpoint: string;
  }
}

/** Starts one embedded DynamoDB (dynalite, in memory) for the whole run and stops it afterwards. */
export default async function setup(project: TestProject) {
  const db = await startEmbeddedDynamoDb();
  project.provide('dynamoDbEndpoint', db.endpoint);
  return () => db.close();
}
