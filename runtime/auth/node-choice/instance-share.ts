import type { NodeRecord } from '../../registry';

const KEEP_PICKS_MS = 60_000;
const SMOOTHING = 0.5;
const MAX_FACTOR = 10_000;

/**
 * How many auth instances share the logins, as seen from one of them: between two heartbeats of a
 * node, the node gained `growth` connections, of which this instance sent `own`. The ratio estimates
 * how many instances pick like this one. Scaling this instance's pending picks by it turns
 * "my picks since the last report" into "everyone's picks since the last report", so that
 * instances that cannot see each other do not all correct the same imbalance at once.
 * With one instance the factor stays 1. See docs/decisions/0006-instance-share.md.
 */
export class InstanceShare {
  private readonly picks = new Map<string, number[]>();
  private readonly reported = new Map<string, { at: number; connections: number }>();
  /** Unknown until the first two reports of a node have been seen. */
  private estimate?: number;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * While unknown (a cold instance, as Lambda starts many during a burst) the factor is large: the
   * instance spreads its own picks evenly and uses registry counts only to break ties, instead of
   * correcting an imbalance that every other cold instance is correcting too.
   */
  get factor(): number {
    return this.estimate ?? MAX_FACTOR;
  }

  record(nodeId: string): void {
    const list = this.picks.get(nodeId) ?? [];
    list.push(this.now());
    this.picks.set(nodeId, list);
  }

  /** Feed every fresh registry view; each node's change since its previous report updates the estimate. */
  observe(nodes: readonly NodeRecord[]): void {
    let growth = 0;
    let own = 0;
    for (const node of nodes) {
      const before = this.reported.get(node.nodeId);
      if (before && node.heartbeatAt > before.at) {
        growth += node.connections - before.connections;
        own += this.picksBetween(node.nodeId, before.at, node.heartbeatAt);
      }
      if (!before || node.heartbeatAt > before.at) {
        this.reported.set(node.nodeId, { at: node.heartbeatAt, connections: node.connections });
      }
    }
    if (growth > 0) {
      // +1: an instance that sent none of the growth still learns that others are busy, without dividing by 0.
      const ratio = Math.min(MAX_FACTOR, Math.max(1, growth / (own + 1)));
      this.estimate =
        this.estimate === undefined ? ratio : SMOOTHING * ratio + (1 - SMOOTHING) * this.estimate;
    }
    this.prune();
  }

  private picksBetween(nodeId: string, from: number, to: number): number {
    let n = 0;
    for (const t of this.picks.get(nodeId) ?? []) if (t >= from && t < to) n += 1;
    return n;
  }

  private prune(): void {
    const oldest = this.now() - KEEP_PICKS_MS;
    for (const [nodeId, list] of this.picks) {
      const keep = list.filter((t) => t >= oldest);
      if (keep.length === 0) this.picks.delete(nodeId);
      else this.picks.set(nodeId, keep);
    }
  }
}
