import type { NodeChoiceRule } from '../../contract/strategies';
import type { NodeRecord } from '../../registry';
import { type Candidate, chooseNode } from './choose-node';
import { InstanceShare } from './instance-share';
import { PendingAssignments } from './pending';

/**
 * One auth instance's node choice with its own memory: its pending picks, scaled by its estimate of
 * how many instances share the logins. Pure but for that memory; the clock and the random source are
 * injected, so the same code runs in the service and in deterministic tests.
 */
export class InstancePicker {
  readonly pending: PendingAssignments;
  readonly share: InstanceShare;

  constructor(
    private readonly rule: NodeChoiceRule,
    private readonly random: () => number,
    pendingMs: number,
    now: () => number = Date.now,
  ) {
    this.pending = new PendingAssignments(pendingMs, now);
    this.share = new InstanceShare(now);
  }

  /** Call with every view freshly read from the registry. */
  observe(nodes: readonly NodeRecord[]): void {
    this.share.observe(nodes);
  }

  /** Choose among `nodes` (fresh entries) and remember the pick; undefined when none has headroom. */
  pick(nodes: readonly NodeRecord[]): NodeRecord | undefined {
    const share = this.share.factor;
    const candidates: Candidate[] = nodes.map((node) => ({
      node,
      pending: this.pending.count(node.nodeId, node.heartbeatAt),
      share,
    }));
    const chosen = chooseNode(candidates, this.rule, this.random);
    if (!chosen) return undefined;
    this.pending.record(chosen.node.nodeId);
    this.share.record(chosen.node.nodeId);
    return chosen.node;
  }
}
