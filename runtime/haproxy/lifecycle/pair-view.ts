import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';

/** One instance of a side's Auto Scaling group, as Auto Scaling reports it. */
export interface PairMember {
  readonly instanceId: string;
  /** `Pending`, `Pending:Wait`, `InService`, `Terminating:Wait`, … */
  readonly lifecycleState?: string;
  readonly healthStatus?: string;
  /** The launch template version the instance was launched from. */
  readonly version?: string;
}

/** Both sides of the pair, read in one call. */
export interface PairView {
  /** The launch template version this side's group launches now: what a replacement will run. */
  readonly targetVersion?: string;
  readonly peers: readonly PairMember[];
}

/**
 * Reads this side's group (its current launch template version) and the peer group's instances. Both
 * groups launch from the one launch template, so "the peer runs `targetVersion`" means the peer has been
 * replaced by, or never needed, the update that is replacing this instance.
 */
export async function readPairView(
  client: AutoScalingClient,
  group: string,
  peerGroup: string,
): Promise<PairView> {
  const out = await client.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group, peerGroup] }),
  );
  const own = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === group);
  const peer = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === peerGroup);
  return {
    targetVersion: own?.LaunchTemplate?.Version,
    peers: (peer?.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '',
      lifecycleState: i.LifecycleState,
      healthStatus: i.HealthStatus,
      version: i.LaunchTemplate?.Version,
    })),
  };
}

/**
 * The peer that may take the VIP now: in service (its launch hook completed, so it serves and keepalived
 * runs), healthy, and launched from the version this side is moving to. Undefined while there is none.
 */
export function readyPeer(view: PairView): PairMember | undefined {
  return view.peers.find(
    (p) =>
      p.lifecycleState === 'InService' &&
      p.healthStatus === 'Healthy' &&
      view.targetVersion !== undefined &&
      p.version === view.targetVersion,
  );
}
