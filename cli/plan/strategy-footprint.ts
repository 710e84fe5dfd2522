import type { Strategy } from '../../runtime/contract/strategies';

/**
 * What a strategy's stack deploys besides the node fleet and the auth function, as counts the estimate
 * prices. test/cli/plan-footprint.test.ts synthesizes each stack and checks these against its template.
 */
export interface StrategyFootprint {
  /** Interface VPC endpoints (each billed per AZ). */
  readonly interfaceEndpoints: number;
  /** Whether each node has a public IPv4 address. */
  readonly publicNodes: boolean;
  /** Elastic IPs (each a public IPv4 address). */
  readonly elasticIps: number;
  /** Network Load Balancers (each holds one public IPv4 address per AZ). */
  readonly networkLoadBalancers: number;
  /** HAProxy instances (the Keepalived pair). */
  readonly haproxyInstances: number;
}

/** AZs of the VPC (lib/network.ts: maxAzs). */
export const AVAILABILITY_ZONES = 2;
/** Root volume of every instance, GiB (gp3). */
export const ROOT_VOLUME_GIB = 8;
/** Secrets Manager secrets of every stack: the token key and the users. */
export const SECRETS = 2;

export const FOOTPRINTS: Readonly<Record<Strategy, StrategyFootprint>> = {
  nlb: {
    // The private nodes' 7 (lib/wslb-stack.ts) and the nlb tier's Elastic Load Balancing one.
    interfaceEndpoints: 8,
    publicNodes: false,
    elasticIps: 0,
    networkLoadBalancers: 1,
    haproxyInstances: 0,
  },
  haproxy: {
    // The private nodes' 7 and the haproxy tier's EC2 one.
    interfaceEndpoints: 8,
    publicNodes: false,
    elasticIps: 1,
    networkLoadBalancers: 0,
    haproxyInstances: 2,
  },
  direct: {
    interfaceEndpoints: 0,
    publicNodes: true,
    elasticIps: 0,
    networkLoadBalancers: 0,
    haproxyInstances: 0,
  },
};
