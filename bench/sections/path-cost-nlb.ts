import { buildRef, nlbUnavailable, runHost } from '../harness/host';
import type { SectionContext } from '../types';
import { NLB_PATHS, type NlbPathJob } from '../workers/nlb-path-job';
import type { PathResult } from '../workers/path-worker';
import { pathSettings } from './path-settings';

export interface NlbPaths {
  direct: PathResult;
  nlb: PathResult;
}

/**
 * The `nlb` path, measured in a namespace of the bench beside a `direct` path started there too (the
 * kernel rule applies only inside it); `skipped` says why when the kernel stand-in cannot run here.
 */
export async function measureNlbPath(ctx: SectionContext): Promise<NlbPaths | { skipped: string }> {
  const skipped = nlbUnavailable();
  if (skipped) return { skipped };
  const settings = pathSettings(ctx);
  const measured = await runHost<NlbPathJob, Record<string, PathResult>>(
    ctx.build,
    'nlb-path-host',
    { build: buildRef(ctx.build), path: settings, deadlineMs: settings.deadlineMs + 60_000 },
    {
      inNamespace: true,
      tag: 'path-nlb',
      label: 'nlb and direct in a namespace',
      total: settings.sessions * 2,
    },
  );
  return { direct: measured[NLB_PATHS.direct], nlb: measured[NLB_PATHS.nlb] };
}
