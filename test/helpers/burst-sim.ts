import { InstancePicker } from '../../runtime/auth/node-choice/instance-picker';
import type { NodeChoiceRule } from '../../runtime/contract/strategies';
import type { NodeRecord } from '../../runtime/registry';
import { seededRandom } from './random';

export interface BurstOptions {
  rule: NodeChoiceRule;
  /** Auth instances (Lambda execution environments); each login goes to one at random. */
  instances: number;
  seed: number;
  nodes?: number;
  sessions?: number;
  burstMs?: number;
  /** Nodes report on wall-clock multiples of this (as `Heartbeat` does). */
  heartbeatMs?: number;
  /** Each instance re-reads the registry when its view is this old. */
  cacheMs?: number;
  /** Where the burst starts within a heartbeat period. */
  offsetMs?: number;
  /** Connections each node holds before the burst (a node that just joined holds 0). @default all 0 */
  held?: readonly number[];
}

/**
 * A burst of logins through K independent `InstancePicker`s (the real choice code) over a simulated
 * registry: each node reports its accepted count on heartbeat boundaries; each instance sees the
 * registry as of its last refresh; a client is counted on its node 5 ms after its pick.
 * Returns max/mean connections per node.
 */
export function simulateBurst(o: BurstOptions): number {
  const nodes = o.nodes ?? 4;
  const sessions = o.sessions ?? 10_000;
  const burstMs = o.burstMs ?? 2000;
  const heartbeatMs = o.heartbeatMs ?? 2000;
  const cacheMs = o.cacheMs ?? 1000;
  const start = 10 * heartbeatMs + (o.offsetMs ?? 700);
  const random = seededRandom(o.seed);
  let now = 0;
  const accepted: number[][] = Array.from({ length: nodes }, (_, i) =>
    new Array<number>(o.held?.[i] ?? 0).fill(0),
  );
  const snapshot = (): NodeRecord[] => {
    const beat = now - (now % heartbeatMs);
    return accepted.map((times, i) => ({
      nodeId: `n${i}`,
      endpoint: '',
      connections: times.filter((t) => t <= beat).length,
      capacity: 1_000_000,
      state: 'active',
      heartbeatAt: beat,
      expiresAt: 0,
    }));
  };
  const instances = Array.from({ length: o.instances }, () => ({
    picker: new InstancePicker(o.rule, random, 4000, () => now),
    view: [] as NodeRecord[],
    viewAt: Number.NEGATIVE_INFINITY,
  }));
  for (let k = 0; k < sessions; k++) {
    now = start + (k * burstMs) / sessions;
    const instance = instances[Math.floor(random() * instances.length)];
    if (now - instance.viewAt >= cacheMs) {
      instance.view = snapshot();
      instance.viewAt = now;
      instance.picker.observe(instance.view);
    }
    const chosen = instance.picker.pick(instance.view)!;
    accepted[Number(chosen.nodeId.slice(1))].push(now + 5);
  }
  const counts = accepted.map((a) => a.length);
  return Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / nodes);
}
