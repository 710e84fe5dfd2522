/**
 * Source-IP arithmetic for the HAProxy tier. A TCP connection is unique by (source IP, source port,
 * destination IP, destination port); with the destination fixed per backend `server` line, each source
 * IP offers one connection per usable ephemeral port to each backend.
 */

/** Linux's default `net.ipv4.ip_local_port_range` is 32768–60999: 28,232 ports. */
export const USABLE_EPHEMERAL_PORTS = 60999 - 32768 + 1;

/**
 * The largest number of secondary private IPs one ENI accepts, by instance type (IPv4 addresses per
 * interface minus the primary). Types not listed fall back to {@link DEFAULT_MAX_SECONDARY_IPS}.
 */
const SECONDARY_IPS_PER_ENI: Readonly<Record<string, number>> = {
  't4g.micro': 1,
  't4g.small': 3,
  't4g.medium': 5,
  't4g.large': 11,
  't4g.xlarge': 14,
  't4g.2xlarge': 14,
  'c7g.medium': 3,
  'c7g.large': 9,
  'c7g.xlarge': 14,
  'c7g.2xlarge': 14,
  'c7g.4xlarge': 29,
  'c7gn.medium': 3,
  'c7gn.large': 9,
  'c7gn.xlarge': 14,
  'c7gn.2xlarge': 14,
  'c7gn.4xlarge': 29,
  'm7g.medium': 3,
  'm7g.large': 9,
  'm7g.xlarge': 14,
  'm7g.2xlarge': 14,
  'm7g.4xlarge': 29,
};

/** The ENI ceiling of the largest instance sizes (50 IPv4 addresses per interface, one primary). */
export const DEFAULT_MAX_SECONDARY_IPS = 49;

/**
 * The most connections one HAProxy instance can hold to a single node: all of them in the worst case
 * (one node left, or a skewed spread), but never more than the node's own cap, past which it refuses.
 */
export function connectionsPerNode(targetConnections: number, maxConnectionsPerNode: number): number {
  return Math.min(targetConnections, maxConnectionsPerNode);
}

/**
 * How many source IPs one HAProxy instance needs so that `perNodeConnections` fit between it and one
 * node: one port per connection on each (source IP, node ip:port) pair. Never below 1.
 */
export function sourceIpsFor(
  perNodeConnections: number,
  usablePorts: number = USABLE_EPHEMERAL_PORTS,
): number {
  if (!Number.isInteger(perNodeConnections) || perNodeConnections < 1) {
    throw new RangeError(`perNodeConnections must be a positive integer, got ${perNodeConnections}`);
  }
  return Math.max(1, Math.ceil(perNodeConnections / usablePorts));
}

/** The most secondary private IPs an ENI of `instanceType` takes. */
export function maxSecondaryIps(instanceType: string): number {
  return SECONDARY_IPS_PER_ENI[instanceType] ?? DEFAULT_MAX_SECONDARY_IPS;
}
