import type { Backend } from './backend';

/**
 * Source-address arithmetic for HAProxy's `source <ip>` lines.
 *
 * HAProxy binds a `source` address with IP_BIND_ADDRESS_NO_PORT, so the kernel picks the local port at
 * connect() time for the whole 4-tuple: each (source IP, backend ip:port) pair has its own ephemeral
 * range. One source IP therefore serves every backend, and the instance-wide need is the largest need of
 * any one backend.
 */

/** Inclusive local port range (`net.ipv4.ip_local_port_range`). */
export interface PortRange {
  low: number;
  high: number;
}

/** Linux's default `ip_local_port_range`. */
export const DEFAULT_PORT_RANGE: PortRange = { low: 32768, high: 60999 };

/** Usable ephemeral ports per (source IP, backend ip:port) pair: 28,232 for the default range. */
export function portsPerPair(range: PortRange = DEFAULT_PORT_RANGE): number {
  if (!Number.isInteger(range.low) || !Number.isInteger(range.high) || range.low < 1 || range.high > 65535) {
    throw new RangeError(`port range must be integers within 1-65535 (got ${range.low}-${range.high})`);
  }
  if (range.high < range.low) throw new RangeError(`port range is empty (got ${range.low}-${range.high})`);
  return range.high - range.low + 1;
}

export interface SourceIpNeedInput {
  /** Connections the HAProxy instance must hold at once (client side = backend side). */
  targetConnections: number;
  /** Number of backend nodes the connections are spread over (leastconn). */
  backends: number;
  /** @default DEFAULT_PORT_RANGE */
  portRange?: PortRange;
}

export interface SourceIpNeed {
  /** Source IPs the instance needs (at least 1: the primary address). */
  sourceIps: number;
  /** Connections each backend receives: ceil(target / backends). */
  perBackendShare: number;
  portsPerPair: number;
  /** Backend connections the instance can hold with `sourceIps` addresses. */
  capacity: number;
}

/** How many source IPs `targetConnections` over `backends` nodes needs. Called by the CDK config. */
export function sourceIpsNeeded(input: SourceIpNeedInput): SourceIpNeed {
  const { targetConnections, backends } = input;
  if (!Number.isInteger(targetConnections) || targetConnections < 0) {
    throw new RangeError(`targetConnections must be a non-negative integer (got ${targetConnections})`);
  }
  if (!Number.isInteger(backends) || backends < 1) {
    throw new RangeError(`backends must be a positive integer (got ${backends})`);
  }
  const ports = portsPerPair(input.portRange);
  const perBackendShare = Math.ceil(targetConnections / backends);
  const sourceIps = Math.max(1, Math.ceil(perBackendShare / ports));
  return { sourceIps, perBackendShare, portsPerPair: ports, capacity: sourceIps * ports * backends };
}

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
  portRange?: PortRange;
}

/**
 * One `server` line per (backend node, source IP): each line's connections leave from its own address, so
 * each line has a full port range towards its node. With no source IPs, one line per node without `source`.
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
  if (input.targetConnections !== undefined && input.backends.length > 0) {
    const need = sourceIpsNeeded({
      targetConnections: input.targetConnections,
      backends: input.backends.length,
      portRange: input.portRange,
    });
    const have = Math.max(1, input.sourceIps.length);
    if (have < need.sourceIps) {
      warnings.push(
        `too few source IPs: ${input.targetConnections} connections over ${input.backends.length} backends ` +
          `need ${need.sourceIps} (${need.perBackendShare} per backend, ${need.portsPerPair} ports per ` +
          `source IP and backend), have ${have}`,
      );
    }
  }
  return { servers, warnings };
}
