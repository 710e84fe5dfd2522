export { Imds, type ImdsOptions } from '../../shared/imds';

/**
 * Source addresses for the `server` lines: the ENI's private IPs except the VIP, which moves to the peer on
 * failover and would take every connection sourced from it along.
 */
export function sourceIpsFromInterface(privateIps: readonly string[], vip?: string): string[] {
  return privateIps.filter((ip) => ip !== vip);
}
