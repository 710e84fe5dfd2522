import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildUrl } from '../contract/url';
import { awsClientConfig } from '../shared/aws-client';

/** The registry table's key; the CDK table uses the same. */
export const REGISTRY_PARTITION_KEY = 'nodeId';

export interface EmbeddedRegistry {
  endpoint: string;
  tableName: string;
  /** Stop listening (an outage); the data stays in memory. */
  pause(): Promise<void>;
  /** Listen again on the same port, with the same data. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start an in-memory DynamoDB-compatible server (dynalite) on 127.0.0.1 and create the registry table,
 * so local runs and tests use the very DynamoDB code that runs in AWS.
 */
export async function startEmbeddedRegistry(tableName = 'wslb-nodes', port = 0): Promise<EmbeddedRegistry> {
  // dynalite is a dev dependency with no types; it is only ever loaded for local runs.
  const dynalite = require('dynalite') as (opts: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  const endpoint = buildUrl('http', '127.0.0.1', bound);
  const client = new DynamoDBClient(
    awsClientConfig({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: REGISTRY_PARTITION_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: REGISTRY_PARTITION_KEY, KeyType: 'HASH' }],
    }),
  );
  client.destroy();
  // Stop listening with the plain http.Server methods underneath, never dynalite's own close(): that also
  // closes its store, and a request it already read would then throw 'Database is not open' from a later
  // tick, uncaught, and end the process (seen in chaos). The store goes with the server when dropped.
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      Server.prototype.close.call(server, () => resolve());
      // SDK clients keep connections alive; without this, close waits for them.
      server.closeAllConnections();
    });
  return {
    endpoint,
    tableName,
    pause: stopListening,
    resume: () =>
      new Promise<void>((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('error', reject);
        Server.prototype.listen.call(server, { port: bound, host: '127.0.0.1' }, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    close: stopListening,
  };
}
