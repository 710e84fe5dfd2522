/**
 * Close codes after which every client of the node is likely closing at once (RFC 6455 §7.4.1): the node or
 * the path to it died (1006: no close frame), is going away (1001), failed (1011) or is overloaded (1013).
 * A drain (1012) is spread over the drain window by the node itself; other codes concern this client.
 */
const UNPLANNED = new Set([1001, 1006, 1011, 1013, 1014]);

/** 'unplanned': spread the first retry over `unplannedSpreadMs`; 'ordinary': the exponential back-off alone. */
export function closeKind(code: number): 'unplanned' | 'ordinary' {
  return UNPLANNED.has(code) ? 'unplanned' : 'ordinary';
}
