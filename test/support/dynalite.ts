import { createRequire } from 'node:module';
import { type Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listenLocally, pointSdkAt } from './local-endpoint';

/** dynalite ships no types: the factory returns a plain Node server. */
type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(__filename)('dynalite') as DynaliteFactory;

/** A DynamoDB-protocol server on 127.0.0.1 (dynalite, in memory), with one table keyed by `key` (S). */
export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  readonly table: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite on a port the OS picks, creates the table, and points the AWS SDK at it through
 * `AWS_ENDPOINT_URL_DYNAMODB` (with dummy credentials), so handler modules imported afterwards
 * create working clients unchanged.
 */
export async function startDynalite(table = 'router-cache'): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenLocally(server);
  pointSdkAt('AWS_ENDPOINT_URL_DYNAMODB', endpoint);
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  await client.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return {
    client,
    endpoint,
    table,
    async close() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
