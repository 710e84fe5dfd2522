import { InvalidInputError, throwIfProblems } from './errors';

/**
 * The one source-IP model of the `haproxy` strategy: the CDK sizes the pair's addresses with it
 * (lib/config.ts) and the agent warns with it at run time (runtime/haproxy/render/source-ips.ts), so both
 * reach the same number from the same inputs (docs/decisions/0023-haproxy-source-ip-count.md).
 *
 * A TCP connection is unique by (source IP, source port, destination IP, destination port). HAProxy binds a
 * `source` address with IP_BIND_ADDRESS_NO_PORT, so the kernel picks the port at connect time for the whole
 * 4-tuple: each (source IP, node ip:port) pair has the whole ephemeral range to itself. One source IP serves
 * every node; what runs out is the ports towards one node.
 */

/** Inclusive local port range (`net.ipv4.ip_local_port_range`). */
export interface PortRange {
  readonly low: number;
  readonly high: number;
}

/** Linux's default `net.ipv4.ip_local_port_range`. */
export const EPHEMERAL_PORT_RANGE: PortRange = { low: 32768, high: 60999 };

/**
 * Usable ports per (source IP, node ip:port) pair: 28,232 for {@link EPHEMERAL_PORT_RANGE}.
 * @throws {InvalidInputError} when the range is not integers within 1-65535, or is empty.
 */
export function portsPerPair(range: PortRange = EPHEMERAL_PORT_RANGE): number {
  const { low, high } = range;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || high > 65535) {
    throw new InvalidInputError('port range', [`portRange: integers within 1-65535 (got ${low}-${high})`]);
  }
  if (high < low) throw new InvalidInputError('port range', [`portRange: empty (got ${low}-${high})`]);
  return high - low + 1;
}

/** 28,232: the ports of the default range, each (source IP, node) pair's share. */
export const PORTS_PER_PAIR = portsPerPair();

export interface SourceIpInput {
  /** Connections one HAProxy instance must hold at once (client side = node side). */
  readonly targetConnections: number;
  /**
   * A node's own cap (`MAX_CONNECTIONS`); a node refuses upgrades past it, so no more ever go to one node.
   * @default - no cap: all `targetConnections` may go to one node
   */
  readonly maxConnectionsPerNode?: number;
  /** @default EPHEMERAL_PORT_RANGE */
  readonly portRange?: PortRange;
}

export interface SourceIpNeed {
  /**
   * The most connections one instance can hold to a single node: all of them in the worst case (one node
   * left, a skewed spread after a reload), but never more than the node's cap.
   */
  readonly perNode: number;
  /** Source IPs the instance needs so `perNode` fit towards one node; at least 1 (the primary address). */
  readonly sourceIps: number;
  readonly portsPerPair: number;
}

/**
 * How many source IPs one HAProxy instance needs. The number of running nodes does not enter: sizing for the
 * worst case keeps the answer the same while nodes come and go.
 * @throws {InvalidInputError} naming `targetConnections`, `maxConnectionsPerNode` or `portRange` when one is
 *   not a non-negative (cap: positive) integer or the range is empty.
 */
export function sourceIpsNeeded(input: SourceIpInput): SourceIpNeed {
  const { targetConnections, maxConnectionsPerNode } = input;
  const problems: string[] = [];
  if (!Number.isInteger(targetConnections) || targetConnections < 0) {
    problems.push(`targetConnections: a non-negative integer (got ${targetConnections})`);
  }
  if (
    maxConnectionsPerNode !== undefined &&
    (!Number.isInteger(maxConnectionsPerNode) || maxConnectionsPerNode < 1)
  ) {
    problems.push(`maxConnectionsPerNode: a positive integer (got ${maxConnectionsPerNode})`);
  }
  throwIfProblems('source-IP input', problems);
  const ports = portsPerPair(input.portRange);
  const perNode = Math.min(targetConnections, maxConnectionsPerNode ?? targetConnections);
  return { perNode, sourceIps: Math.max(1, Math.ceil(perNode / ports)), portsPerPair: ports };
}
