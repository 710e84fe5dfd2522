/**
 * The three strategies; the same words in context, stack and construct ids, folder names, CLI flags, the auth
 * service's `STRATEGY`, logs and docs.
 */
export const STRATEGIES = ['nlb', 'haproxy', 'direct'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * How the auth service picks a node under `direct` (`NODE_CHOICE`): power of two choices, the seed's global
 * least-loaded, or uniform random (docs/decisions/0002-power-of-two-choices.md).
 */
export const NODE_CHOICE_RULES = ['p2c', 'least-loaded', 'random'] as const;
export type NodeChoiceRule = (typeof NODE_CHOICE_RULES)[number];
export const DEFAULT_NODE_CHOICE: NodeChoiceRule = 'p2c';

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}
