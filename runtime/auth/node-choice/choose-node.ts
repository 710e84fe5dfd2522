import type { NodeChoiceRule } from '../../contract/strategies';
import type { NodeRecord } from '../../registry';

/** A candidate's load as this auth instance sees it: registry count plus its own picks not yet visible. */
export interface Candidate {
  node: NodeRecord;
  /** This instance's picks on the node since its last heartbeat. */
  pending: number;
  /** How many instances' picks one own pick stands for when comparing loads. @default 1 */
  share?: number;
}

export const loadRatio = (c: Candidate) =>
  (c.node.connections + c.pending * (c.share ?? 1)) / c.node.capacity;

/** Whether the auth service may offer the node: active, and below its cap counting picks not yet visible. */
export const hasHeadroom = (c: Candidate) =>
  c.node.state === 'active' && c.node.connections + c.pending < c.node.capacity;

/**
 * Pick a node for a new session, or undefined when none has headroom.
 * - `p2c` (default): two distinct random candidates, the lower load ratio wins. Under a burst with
 *   counts up to a heartbeat old it stays even without herding onto the one node that looks emptiest.
 * - `least-loaded`: the seed's rule, kept for comparison; every instance herds onto the same node.
 * - `random`: uniform among nodes with headroom.
 * Candidates must already be fresh (the registry filters stale entries).
 */
export function chooseNode(
  candidates: readonly Candidate[],
  rule: NodeChoiceRule,
  random: () => number,
): Candidate | undefined {
  const open = candidates.filter(hasHeadroom);
  if (open.length === 0) return undefined;
  if (open.length === 1) return open[0];
  if (rule === 'random') return open[Math.floor(random() * open.length)];
  if (rule === 'least-loaded') {
    return open.reduce((best, c) => (loadRatio(c) < loadRatio(best) ? c : best));
  }
  const i = Math.floor(random() * open.length);
  let j = Math.floor(random() * (open.length - 1));
  if (j >= i) j += 1;
  const a = open[i];
  const b = open[j];
  // Soft comparison: the larger the share, the less one instance trusts a small difference, so K
  // instances seeing the same imbalance correct it about once between them, not K times.
  const diff = (loadRatio(a) - loadRatio(b)) * a.node.capacity;
  const x = diff / Math.max(1, (a.share ?? 1) / 4);
  return random() < 1 / (1 + Math.exp(-x)) ? b : a;
}
