import type { BoundedJob } from '../../harness/worker/protocol';
import type { BuildRef } from '../harness/worker-build';
import type { PathJob } from './path-worker';

/** Row names of the two paths measured inside the nlb namespace. */
export const NLB_PATHS = { direct: 'direct (in the nlb namespace)', nlb: 'nlb' } as const;

export interface NlbPathJob extends BoundedJob {
  build: BuildRef;
  path: Omit<PathJob, 'paths'>;
}
