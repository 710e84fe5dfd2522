import type { Backend } from '../render/backend';

export type { Backend };

/** Where the agent learns the current WS nodes: EC2 in AWS, the local cluster's list locally. */
export interface BackendSource {
  list(): Promise<Backend[]>;
}
