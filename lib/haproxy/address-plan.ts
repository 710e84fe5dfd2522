/**
 * Static address plan of the HAProxy pair: one side per subnet (one AZ each). Each side's subnet keeps its
 * lower half for the addresses EC2 hands out (the instances' primary IPs, which change with every
 * replacement) and reserves its upper half for addresses only we assign (a subnet CIDR reservation of type
 * `explicit`): the side's pair address (keepalived's unicast peer, the Elastic IP's target) and its backend
 * source IPs. Whichever instance serves a side claims them at boot, so they outlive instance replacements.
 */

import { InvalidInputError } from '../../runtime/contract/errors';

export interface SidePlan {
  /** The upper half of the subnet, reserved for explicit assignment. */
  readonly reservation: string;
  /** Keepalived's unicast source and the peer's unicast peer; the Elastic IP maps to it when active. */
  readonly pairAddress: string;
  /** Source IPs for backend connections (one `source` per `server` line). */
  readonly sources: readonly string[];
}

/** AWS reserves the first four addresses of every subnet and the last one. */
const RESERVED_AT_START = 4;

const refuse = (problem: string) => new InvalidInputError('address plan', [problem]);

export const ipToInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
export const intToIp = (n: number) =>
  [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** A concrete `a.b.c.d/len` as its first address and size; throws on anything else (a token, a typo). */
export function parseCidr(cidr: string): { base: number; size: number; prefix: number } {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!match) throw refuse(`a concrete IPv4 CIDR a.b.c.d/len is needed, got ${cidr}`);
  const prefix = Number(match[2]);
  return { base: ipToInt(match[1]!), size: 2 ** (32 - prefix), prefix };
}

/** Whether `ip` lies inside `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const { base, size } = parseCidr(cidr);
  const n = ipToInt(ip);
  return n >= base && n < base + size;
}

/**
 * Plans one side in `subnetCidr` (a concrete `a.b.c.d/len`) with `sourceIps` source addresses.
 * @throws {InvalidInputError} when the CIDR is not concrete or its upper half cannot hold the side.
 */
export function planSide(subnetCidr: string, sourceIps: number): SidePlan {
  const { base, size, prefix } = parseCidr(subnetCidr);
  const half = size / 2;
  // The last address of the subnet (AWS's) falls in the upper half.
  const usable = half - 1;
  const needed = 1 + sourceIps;
  if (prefix > 28 || needed > usable || half - RESERVED_AT_START < 4) {
    throw refuse(
      `${subnetCidr}: the upper half holds ${usable} assignable addresses, the side needs ${needed} ` +
        '(its pair address and the source IPs); use a larger subnet',
    );
  }
  const at = (offset: number) => intToIp(base + half + offset);
  return {
    reservation: `${intToIp(base + half)}/${prefix + 1}`,
    pairAddress: at(0),
    sources: Array.from({ length: sourceIps }, (_, i) => at(1 + i)),
  };
}
