import type { Strategy } from '../contract/strategies';

/**
 * Registry key of the one item that is not a node: the path clients are handed now. `#` is outside the node id
 * alphabet (runtime/node/settings.ts), so no node can overwrite it, and registry reads skip it.
 */
export const CLIENT_PATH_KEY = '#path';

/** The path the auth service hands out now, as the nodes read it (docs/decisions/0150). */
export interface CurrentPath {
  strategy: Strategy;
  /** The path clients are moving off, while its tier is kept. */
  retiring?: Strategy;
  /** Epoch milliseconds of the write. */
  since: number;
}

/** Where the current path is kept: written on a switch, read by every node with its heartbeat. */
export interface ClientPathStore {
  /** The current path; undefined when none was ever written (nodes then move nobody). */
  currentPath(): Promise<CurrentPath | undefined>;
  setCurrentPath(path: { strategy: Strategy; retiring?: Strategy }): Promise<void>;
}

export function isClientPathStore(value: object): value is ClientPathStore {
  return 'currentPath' in value && 'setCurrentPath' in value;
}
