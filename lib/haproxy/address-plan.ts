/**
 * Static address plan of the HAProxy pair inside its dedicated subnet. Every address is chosen here,
 * none by EC2, so the floating VIP can never be handed to another interface before keepalived claims it.
 */

export interface PairAddresses {
  /** Primary private IPs of the two instances (VRRP unicast peers). */
  readonly primary: readonly [string, string];
  /** The floating private VIP; the Elastic IP is associated with it. */
  readonly vip: string;
  /** Source IPs for backend connections, per instance (its ENI's secondary addresses). */
  readonly sources: readonly [readonly string[], readonly string[]];
}

/** AWS reserves the first four addresses of every subnet and the last one. */
const RESERVED_AT_START = 4;

const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** Plans addresses in `subnetCidr` (a concrete `a.b.c.d/len`) for two instances with `sourceIps` each. */
export function planPairAddresses(subnetCidr: string, sourceIps: number): PairAddresses {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(subnetCidr);
  if (!match)
    throw new Error(`planPairAddresses: subnet CIDR must be concrete a.b.c.d/len, got ${subnetCidr}`);
  const size = 2 ** (32 - Number(match[2]));
  const base = toInt(match[1]!);
  const needed = 3 + 2 * sourceIps;
  const usable = size - RESERVED_AT_START - 1;
  if (needed > usable) {
    throw new Error(
      `planPairAddresses: ${subnetCidr} has ${usable} usable addresses, the pair needs ${needed}`,
    );
  }
  const at = (offset: number) => toIp(base + RESERVED_AT_START + offset);
  const range = (from: number) => Array.from({ length: sourceIps }, (_, i) => at(from + i));
  return {
    primary: [at(0), at(1)],
    vip: at(2),
    sources: [range(3), range(3 + sourceIps)],
  };
}
