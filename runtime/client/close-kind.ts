/**
 * Close codes after which every client of the node is likely closing at once (RFC 6455 §7.4.1): the node or
 * the path to it died (1006: no close frame), is going away (1001), failed (1011) or is overloaded (1013).
 * A planned move (1012) is spread over the drain window by the node itself; other codes concern this client.
 */
const UNPLANNED = new Set([1001, 1006, 1011, 1013, 1014]);

/** A planned move (1012 Service Restart): the node drains, or moves its clients to another path. */
const PLANNED = 1012;

/**
 * 'unplanned': spread the first retry over `unplannedSpreadMs`; 'planned': a move the node already spread, back
 * off by the moves since the last stable connection alone (decision 0184); 'ordinary': the exponential back-off.
 */
export function closeKind(code: number): 'unplanned' | 'planned' | 'ordinary' {
  if (code === PLANNED) return 'planned';
  return UNPLANNED.has(code) ? 'unplanned' : 'ordinary';
}
