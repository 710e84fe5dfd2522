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
 * Connections by which the emptiest open node must trail the fullest before `p2c` fills it first: at
 * least this many, and never less than four of this instance's picks as it scales them (`share`), so
 * that its own picks since a heartbeat never look like a spread. Decision 0165.
 */
export const FILL_SPREAD_CONNECTIONS = 100;
const FILL_SPREAD_PER_SHARE = 4;

/**
 * The open candidates `p2c` fills first, or undefined when the loads are close. When the spread between the
 * fullest and the emptiest open node exceeds the fill threshold (a node joined, or came back), the ones within
 * half of it from the emptiest: a new node then takes the arrivals until it has caught up, instead of only
 * the half of them that the pairs it is drawn into give it. Spreads are compared in connections at the
 * smallest capacity, so nodes of different sizes compare by load ratio.
 */
function fillSet(open: readonly Candidate[]): Candidate[] | undefined {
  const capacity = Math.min(...open.map((c) => c.node.capacity));
  const loads = open.map((c) => loadRatio(c) * capacity);
  const min = Math.min(...loads);
  const spread = Math.max(...loads) - min;
  const share = Math.max(...open.map((c) => c.share ?? 1));
  const threshold = Math.max(FILL_SPREAD_CONNECTIONS, FILL_SPREAD_PER_SHARE * share);
  if (spread <= threshold) return undefined;
  return open.filter((_, i) => loads[i] <= min + threshold / 2);
}

/**
 * Pick a node for a new session, or undefined when none has headroom.
 * - `p2c` (default): two distinct random candidates, the lower load ratio wins. Under a burst with
 *   counts up to a heartbeat old it stays even without herding onto the one node that looks emptiest.
 *   When one node trails the others by more than the fill threshold, it is filled first (a uniform pick
 *   among the emptiest): see {@link FILL_SPREAD_CONNECTIONS}.
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
  const fill = fillSet(open);
  if (fill) return fill[Math.floor(random() * fill.length)];
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
