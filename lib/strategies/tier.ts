import type { Construct } from 'constructs';
import type { Strategy } from '../../runtime/contract/strategies';
import type { ClientPath } from '../auth-service';
import type { AwsApiEndpoints } from '../aws-api-endpoints';
import type { WslbConfig } from '../config';
import type { NodePlacement, WslbCore } from '../core';

/** Props of every strategy tier: the core it stands in front of, and the app's context. */
export interface StrategyTierProps {
  readonly core: WslbCore;
  readonly config: WslbConfig;
  /** The interface endpoints private nodes use, when the nodes are private. @default - none */
  readonly nodeEndpoints?: AwsApiEndpoints;
}

/** What a strategy adds to the core: everything between clients and nodes, and the path auth hands out. */
export interface StrategyTier extends Construct {
  readonly path: ClientPath;
}

/**
 * Where each strategy needs the nodes. A switch between strategies with different placements rolls the node
 * group (one drained node at a time); between `nlb` and `haproxy` the nodes stay as they are.
 */
export const NODE_PLACEMENT: Readonly<Record<Strategy, NodePlacement>> = {
  nlb: 'private',
  haproxy: 'private',
  direct: 'public',
};

/**
 * Construct id of each tier: the same whether the tier is current or retiring, so that keeping it for a
 * switch changes none of its resources.
 */
export const TIER_ID: Readonly<Record<Strategy, string>> = {
  nlb: 'Nlb',
  haproxy: 'Haproxy',
  direct: 'Direct',
};
