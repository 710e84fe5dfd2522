import type { Strategy } from '../contract/strategies';

export type NodeState = 'active' | 'draining';

/** What a node reports about itself on every heartbeat. */
export interface NodeHeartbeat {
  nodeId: string;
  /** Where clients reach this node, e.g. `ws://203.0.113.7:8080` or `wss://…`. */
  endpoint: string;
  /**
   * The endpoint clients on the internet reach, when the node has one (a public address, or a local cluster
   * node); absent on a private node. Under `direct` the auth service hands out only nodes that have it.
   */
  publicEndpoint?: string;
  connections: number;
  /** Open connections by the path their token was handed out for (tokens naming none are not counted). */
  connectionsByPath?: Partial<Record<Strategy, number>>;
  capacity: number;
  state: NodeState;
}

/** A registry entry as read back. */
export interface NodeRecord extends NodeHeartbeat {
  /** Epoch milliseconds of the last heartbeat. */
  heartbeatAt: number;
  /** Epoch seconds after which DynamoDB TTL may delete the item (deletion lags; readers filter). */
  expiresAt: number;
}

/** The node registry: every node heartbeats into it, the auth service reads it. */
export interface NodeRegistry {
  heartbeat(node: NodeHeartbeat): Promise<void>;
  /** Only entries whose heartbeat is within the freshness window. */
  list(): Promise<NodeRecord[]>;
  /** As `list`, plus how many items the read cost (stale ones included): what DynamoDB bills. */
  read(): Promise<RegistryRead>;
  remove(nodeId: string): Promise<void>;
  setDraining(nodeId: string): Promise<void>;
}

export interface RegistryRead {
  nodes: NodeRecord[];
  itemsRead: number;
}
