import { Progress } from '../../harness/progress';
import type { BoundedJob } from '../../harness/worker/protocol';
import { Worker } from '../../harness/worker/worker';
import { checkNamespaceSupport } from '../../runtime/local/netns';
import { createNamespace, type Namespace } from './netns';
import { type Build, type BuildRef, type HostName, hostSource } from './worker-build';

/** Whether `nlb` can run with the kernel stand-in (root, `ip`, `nft`); the reason when it cannot. */
export function nlbUnavailable(): string | undefined {
  const support = checkNamespaceSupport();
  return support.available ? undefined : support.reason;
}

export const buildRef = (build: Build): BuildRef => ({ dir: build.dir, nodeBundle: build.nodeBundle });

/**
 * Run one host program to its answer, inside a fresh namespace of the bench when `inNamespace` (removed
 * afterwards, also on failure), with a progress bar over what it reports.
 */
export async function runHost<J extends BoundedJob, R>(
  build: Build,
  name: HostName,
  job: J,
  options: { inNamespace: boolean; tag: string; label: string; total: number },
): Promise<R> {
  let ns: Namespace | undefined;
  if (options.inNamespace) ns = createNamespace(options.tag, { low: 32768, high: 60999 });
  const bar = new Progress(options.label, options.total);
  try {
    const worker = new Worker<J, R>(build, name, {
      source: hostSource(name),
      ...(ns ? { netns: ns.name, env: { WSLB_NETNS: ns.name } } : {}),
    });
    try {
      return await worker.run(job, (n) => bar.update(n));
    } finally {
      await worker.stop(20_000);
    }
  } finally {
    bar.done();
    ns?.remove();
  }
}
