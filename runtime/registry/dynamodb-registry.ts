import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isStrategy } from '../contract/strategies';
import { awsClientConfig } from '../shared/aws-client';
import { CLIENT_PATH_KEY, type ClientPathStore, type CurrentPath } from './client-path';
import type { NodeHeartbeat, NodeRecord, NodeRegistry, RegistryRead } from './types';

export interface DynamoDbRegistryOptions {
  tableName: string;
  /** A loopback endpoint for the embedded registry. @default - the regional DynamoDB endpoint */
  endpoint?: string;
  /** @default - from the environment */
  region?: string;
  /** How old a heartbeat may be and still count. @default 6000 */
  freshnessMs?: number;
  /** How long DynamoDB keeps an entry that stopped beating before TTL may delete it. @default 300 */
  ttlSeconds?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Items per Scan page. @default - DynamoDB's 1 MB pages */
  scanPageSize?: number;
  /** A ready client (tests, shared connections). @default - one built from endpoint/region */
  client?: DynamoDBDocumentClient;
  /**
   * Read the whole registry with strongly consistent Scans (twice the read units). Eventually consistent is
   * enough for the auth's view, which is already up to `REGISTRY_CACHE_MS` old: decision 0166.
   * @default false
   */
  consistentScan?: boolean;
}

export function createDocumentClient(endpoint?: string, region?: string): DynamoDBDocumentClient {
  const local = endpoint !== undefined;
  const base = new DynamoDBClient(
    awsClientConfig({
      endpoint,
      region: region ?? (local ? 'local' : undefined),
      // The embedded server accepts any credentials; never look for real ones on a laptop.
      credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
      maxAttempts: local ? 2 : 3,
    }),
  );
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

export class DynamoDbRegistry implements NodeRegistry, ClientPathStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly freshnessMs: number;
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly pageSize?: number;
  private readonly consistentScan: boolean;

  constructor(options: DynamoDbRegistryOptions) {
    this.table = options.tableName;
    this.doc = options.client ?? createDocumentClient(options.endpoint, options.region);
    this.freshnessMs = options.freshnessMs ?? 6000;
    this.ttlSeconds = options.ttlSeconds ?? 300;
    this.now = options.now ?? Date.now;
    this.pageSize = options.scanPageSize;
    this.consistentScan = options.consistentScan ?? false;
  }

  async heartbeat(node: NodeHeartbeat): Promise<void> {
    const heartbeatAt = this.now();
    const item: NodeRecord = {
      ...node,
      heartbeatAt,
      expiresAt: Math.floor(heartbeatAt / 1000) + this.ttlSeconds,
    };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async list(): Promise<NodeRecord[]> {
    return (await this.read()).nodes;
  }

  async read(): Promise<RegistryRead> {
    const oldest = this.now() - this.freshnessMs;
    const fresh: NodeRecord[] = [];
    let itemsRead = 0;
    for await (const page of paginateScan(
      { client: this.doc, pageSize: this.pageSize },
      { TableName: this.table, ConsistentRead: this.consistentScan },
    )) {
      itemsRead += page.ScannedCount ?? 0;
      for (const item of page.Items ?? []) {
        const record = item as NodeRecord;
        if (record.nodeId === CLIENT_PATH_KEY) continue;
        if (typeof record.heartbeatAt === 'number' && record.heartbeatAt >= oldest) fresh.push(record);
      }
    }
    return { nodes: fresh, itemsRead };
  }

  async currentPath(): Promise<CurrentPath | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { nodeId: CLIENT_PATH_KEY }, ConsistentRead: true }),
    );
    if (!Item || !isStrategy(Item.strategy)) return undefined;
    return {
      strategy: Item.strategy,
      ...(isStrategy(Item.retiring) ? { retiring: Item.retiring } : {}),
      since: typeof Item.since === 'number' ? Item.since : 0,
    };
  }

  async setCurrentPath(path: Pick<CurrentPath, 'strategy' | 'retiring'>): Promise<void> {
    const item = {
      nodeId: CLIENT_PATH_KEY,
      strategy: path.strategy,
      retiring: path.retiring,
      since: this.now(),
    };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async remove(nodeId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { nodeId } }));
  }

  async setDraining(nodeId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { nodeId },
          UpdateExpression: 'SET #state = :draining',
          ConditionExpression: 'attribute_exists(nodeId)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':draining': 'draining' },
        }),
      );
    } catch (err) {
      // A node that never registered has nothing to mark.
      if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
}
