import { throwIfProblems } from '../../runtime/contract/errors';

/**
 * The scale-out decision of an EC2 Auto Scaling target tracking policy, as the bench's ramp section applies it
 * to local node processes (decision 0176). Sources, Amazon EC2 Auto Scaling User Guide:
 * - "Target tracking scaling policies" (as-scaling-target-tracking.html): the metric must change in inverse
 *   proportion to capacity (twice the nodes, half the connections each), so the capacity that brings the
 *   metric back to the target is `capacity × metric / target`. AWS documents the proportion, not the
 *   rounding; this rounds up, toward more room, as a policy that must not under-provision has to.
 * - "Set the default instance warmup" (ec2-auto-scaling-default-instance-warmup.html): instances still warming
 *   up do not count in the metric, but do count as capacity when Auto Scaling decides how many to add, so
 *   repeated alarms for the same load add nodes once.
 * - The policy's high alarm fires after consecutive periods above the target (3 one-minute data points for a
 *   one-minute metric); scale-in (15 data points below) is not simulated: the fleet scales in only through
 *   the drain (decision 0025), which a ramp never reaches.
 */
export interface TargetTrackingPolicy {
  /** Connections per node the policy keeps: the stack's `scalingTargetPerNode`. */
  target: number;
  /** The group's bounds: `nodes` MIN and MAX. */
  min: number;
  max: number;
  /** Consecutive period averages above `target` before the policy scales out. */
  alarmDatapoints: number;
}

/** What the policy sees when a metric period ends. */
export interface ScalingState {
  /** Period averages of connections per node, over the nodes counted in the metric, oldest first. */
  datapoints: readonly number[];
  /** Nodes whose metric counts (past warm-up). */
  counted: number;
  /** Desired capacity now: the counted nodes plus those launching or warming up. */
  desired: number;
}

/** Target tracking's high alarm on the default one-minute metric: 3 data points in 3 minutes. */
export const SCALE_OUT_DATAPOINTS = 3;

/** @throws {InvalidInputError} naming each policy field out of range */
export function checkPolicy(p: TargetTrackingPolicy): void {
  const problems: string[] = [];
  if (!(Number.isFinite(p.target) && p.target > 0)) problems.push(`target: got ${p.target}; accepted: > 0`);
  if (!(Number.isInteger(p.min) && p.min >= 0)) problems.push(`min: got ${p.min}; accepted: an integer >= 0`);
  if (!(Number.isInteger(p.max) && p.max >= Math.max(1, p.min)))
    problems.push(`max: got ${p.max}; accepted: an integer >= min and >= 1`);
  if (!(Number.isInteger(p.alarmDatapoints) && p.alarmDatapoints >= 1))
    problems.push(`alarmDatapoints: got ${p.alarmDatapoints}; accepted: an integer >= 1`);
  throwIfProblems('target tracking policy', problems);
}

/**
 * The desired capacity after a period ends: unchanged unless the last `alarmDatapoints` averages all exceed
 * the target; then `ceil(counted × latest / target)`, never below the current desired (warming nodes are
 * capacity already), always within [min, max]. Non-decreasing in every data point.
 */
export function desiredCapacity(policy: TargetTrackingPolicy, state: ScalingState): number {
  const clamp = (n: number) => Math.min(policy.max, Math.max(policy.min, n));
  const recent = state.datapoints.slice(-policy.alarmDatapoints);
  const alarm = recent.length === policy.alarmDatapoints && recent.every((d) => d > policy.target);
  if (!alarm) return clamp(state.desired);
  const latest = recent[recent.length - 1];
  const proportional = Math.ceil((state.counted * latest) / policy.target);
  return clamp(Math.max(state.desired, proportional));
}
