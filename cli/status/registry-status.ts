import { hasHeadroom } from '../../runtime/auth/node-choice/choose-node';
import { RegistryView } from '../../runtime/auth/node-choice/registry-view';
import type { Strategy } from '../../runtime/contract/strategies';
import {
  type CurrentPath,
  isClientPathStore,
  type NodeRecord,
  type NodeRegistry,
  type NodeState,
} from '../../runtime/registry';

/** One node as the auth service sees it. */
export interface NodeStatus {
  nodeId: string;
  endpoint: string;
  state: NodeState;
  connections: number;
  capacity: number;
  /** Milliseconds since the node's last heartbeat, at the time of the read. */
  heartbeatAgeMs: number;
  /** Connections the node can still take: 0 when draining or full. */
  headroom: number;
  /** Whether the auth service may send a new client there (active and below its cap). */
  offered: boolean;
}

export interface RegistryStatus {
  /** Epoch milliseconds of the read. */
  readAt: number;
  freshnessMs: number;
  /** Registry items the read cost, stale ones included (what DynamoDB bills). */
  itemsRead: number;
  /** Items read but older than the freshness window: ignored by the auth service. */
  staleIgnored: number;
  /** The path the nodes hold current (decision 0150); absent when none was written. */
  path?: CurrentPath;
  nodes: NodeStatus[];
  totals: {
    nodes: number;
    active: number;
    draining: number;
    connections: number;
    capacity: number;
    headroom: number;
    /** Open connections by the path their token was handed out for: during a switch, who is still to move. */
    byPath: Partial<Record<Strategy, number>>;
  };
}

function toStatus(node: NodeRecord, now: number): NodeStatus {
  const offered = hasHeadroom({ node, pending: 0 });
  return {
    nodeId: node.nodeId,
    endpoint: node.endpoint,
    state: node.state,
    connections: node.connections,
    capacity: node.capacity,
    heartbeatAgeMs: Math.max(0, now - node.heartbeatAt),
    headroom: offered ? node.capacity - node.connections : 0,
    offered,
  };
}

/**
 * Read the registry through the auth service's own view (the same freshness filter and read), once, and
 * summarise it per node. Throws what the registry read throws.
 */
export async function readRegistryStatus(
  registry: NodeRegistry,
  options: { freshnessMs: number; now?: () => number },
): Promise<RegistryStatus> {
  const now = options.now ?? Date.now;
  const view = new RegistryView(registry, { cacheMs: 0, freshnessMs: options.freshnessMs, now });
  const fresh = await view.nodes();
  const path = isClientPathStore(registry) ? await registry.currentPath() : undefined;
  const readAt = now();
  const nodes = fresh.map((n) => toStatus(n, readAt)).sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  const sum = (pick: (n: NodeStatus) => number) => nodes.reduce((total, n) => total + pick(n), 0);
  return {
    readAt,
    freshnessMs: options.freshnessMs,
    itemsRead: view.itemsRead,
    // The path item is read too, and is no stale node.
    staleIgnored: Math.max(0, view.itemsRead - fresh.length - (path ? 1 : 0)),
    ...(path ? { path } : {}),
    nodes,
    totals: {
      nodes: nodes.length,
      active: nodes.filter((n) => n.state === 'active').length,
      draining: nodes.filter((n) => n.state === 'draining').length,
      connections: sum((n) => n.connections),
      capacity: sum((n) => n.capacity),
      headroom: sum((n) => n.headroom),
      byPath: byPath(fresh),
    },
  };
}

function byPath(nodes: readonly NodeRecord[]): Partial<Record<Strategy, number>> {
  const out: Partial<Record<Strategy, number>> = {};
  for (const n of nodes) {
    for (const [path, count] of Object.entries(n.connectionsByPath ?? {}) as [Strategy, number][]) {
      out[path] = (out[path] ?? 0) + count;
    }
  }
  return out;
}
