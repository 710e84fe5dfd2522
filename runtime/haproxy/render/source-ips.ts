import { type PortRange, sourceIpsNeeded } from '../../contract/source-ips';
import type { Backend } from './backend';

/** One `server` line of the plan: a node reached from one source address. */
export interface ServerLine {
  /** `<nodeId>-s<k>`, k counting from 1. */
  name: string;
  nodeId: string;
  host: string;
  port: number;
  /** Absent when no source IPs are given: the kernel picks the address. */
  source?: string;
}

export interface ServerPlan {
  servers: ServerLine[];
  warnings: string[];
}

export interface PlanServersInput {
  backends: readonly Backend[];
  sourceIps: readonly string[];
  /** When given, warn if the source IPs cannot hold this many connections. */
  targetConnections?: number;
  /** A node's own cap (`MAX_CONNECTIONS`): no more than this go to one node. @default - no cap */
  maxConnectionsPerNode?: number;
  /** @default EPHEMERAL_PORT_RANGE */
  portRange?: PortRange;
}

/**
 * One `server` line per (backend node, source IP): each line's connections leave from its own address, so
 * each line has a full port range towards its node. With no source IPs, one line per node without `source`.
 * The warning uses the stack's own source-IP model (runtime/contract/source-ips.ts), so a pair the stack
 * sized never warns, however many nodes are running.
 * @throws {InvalidInputError} when `targetConnections`, `maxConnectionsPerNode` or `portRange` is malformed.
 */
export function planServers(input: PlanServersInput): ServerPlan {
  const warnings: string[] = [];
  const servers: ServerLine[] = [];
  for (const node of input.backends) {
    if (input.sourceIps.length === 0) {
      servers.push({ name: `${node.id}-s1`, nodeId: node.id, host: node.host, port: node.port });
      continue;
    }
    input.sourceIps.forEach((source, k) => {
      servers.push({
        name: `${node.id}-s${k + 1}`,
        nodeId: node.id,
        host: node.host,
        port: node.port,
        source,
      });
    });
  }
  if (input.targetConnections !== undefined) {
    const need = sourceIpsNeeded({
      targetConnections: input.targetConnections,
      maxConnectionsPerNode: input.maxConnectionsPerNode,
      portRange: input.portRange,
    });
    const have = Math.max(1, input.sourceIps.length);
    if (have < need.sourceIps) {
      const cap =
        input.maxConnectionsPerNode === undefined ? '' : ` (node cap ${input.maxConnectionsPerNode})`;
      warnings.push(
        `too few source IPs: up to ${need.perNode} connections to one node${cap} need ${need.sourceIps} ` +
          `(${need.portsPerPair} ports per source IP and node), have ${have}`,
      );
    }
  }
  return { servers, warnings };
}
