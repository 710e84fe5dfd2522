/**
 * This auth instance's recent picks per node. A pick counts as pending until the node's registry entry
 * has a heartbeat newer than the pick (the node has reported it) or `ttlMs` has passed (the client never came).
 */
export class PendingAssignments {
  private readonly picks = new Map<string, number[]>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(nodeId: string): void {
    const list = this.picks.get(nodeId) ?? [];
    list.push(this.now());
    this.picks.set(nodeId, list);
  }

  /** Picks on `nodeId` made after `heartbeatAt` and younger than the ttl; older ones are dropped. */
  count(nodeId: string, heartbeatAt: number): number {
    const list = this.picks.get(nodeId);
    if (!list) return 0;
    const oldest = Math.max(heartbeatAt, this.now() - this.ttlMs);
    let drop = 0;
    while (drop < list.length && list[drop] < oldest) drop += 1;
    if (drop > 0) list.splice(0, drop);
    if (list.length === 0) this.picks.delete(nodeId);
    return list.length;
  }
}
