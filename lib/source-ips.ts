/**
 * How many secondary private IPs an HAProxy instance's ENI can take. How many it needs is the runtime's and
 * the stack's one source-IP model: runtime/contract/source-ips.ts.
 */

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

/** The most secondary private IPs an ENI of `instanceType` takes. */
export function maxSecondaryIps(instanceType: string): number {
  return SECONDARY_IPS_PER_ENI[instanceType] ?? DEFAULT_MAX_SECONDARY_IPS;
}

/**
 * Secondary addresses on a HAProxy pair instance's ENI that are not source IPs: the side's pair address
 * (keepalived's unicast address, where the Elastic IP maps). The primary address is not a secondary one.
 */
export const PAIR_ENI_OTHER_SECONDARY_IPS = 1;

/** The most source IPs a HAProxy pair instance of `instanceType` can carry on its one ENI. */
export function maxSourceIps(instanceType: string): number {
  return maxSecondaryIps(instanceType) - PAIR_ENI_OTHER_SECONDARY_IPS;
}
