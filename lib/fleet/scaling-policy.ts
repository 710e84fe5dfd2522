/**
 * The node group's target tracking policy as plain numbers, with no CDK import: `ws-fleet.ts` builds the
 * policy from them and the bench's ramp section (bench/harness/scaling-controller.ts) applies the same policy
 * to local node processes. One source for both, so the simulation cannot drift from what is deployed.
 */
export const SCALING_POLICY = {
  /** Share of a node's cap that target tracking keeps by default: room for arrivals while a new node boots. */
  targetShare: 0.7,
  /** Period of the `Connections` metric the policy tracks (one EMF line a minute per node), in seconds. */
  metricPeriodSeconds: 60,
  /** Launch to first metric line, in seconds: boot (~2-3 min, decision 0127) plus one EMF minute. */
  warmupSeconds: 240,
} as const;

/** The target per node when `scalingTargetPerNode` is not given: `targetShare` of the cap, at least 1. */
export const defaultScalingTarget = (maxConnectionsPerNode: number): number =>
  Math.max(1, Math.floor(maxConnectionsPerNode * SCALING_POLICY.targetShare));
