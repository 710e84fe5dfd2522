/**
 * Section 2, the `nlb` path: runs inside the bench's namespace (WSLB_NETNS), where the nftables rule on the
 * virtual address applies. Starts an `nlb` and a `direct` local cluster there (two nodes each) and runs the
 * path worker over both, interleaved, so the nlb/direct ratios come from one process at one time.
 */
import '../../runtime/local/quiet-sdk-warning';
import { BENCH_SCRYPT_N } from '../../harness/node-rig';
import { sleep } from '../../harness/stats';
import { serveWorker } from '../../harness/worker/serve';
import { Worker } from '../../harness/worker/worker';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { buildFrom } from '../harness/worker-build';
import { NLB_PATHS, type NlbPathJob } from './nlb-path-job';
import type { PathJob, PathResult } from './path-worker';

const clusters: LocalCluster[] = [];
let worker: Worker<PathJob, Record<string, PathResult>> | undefined;

serveWorker<NlbPathJob, Record<string, PathResult>>({
  async run(job, progress) {
    for (const strategy of ['nlb', 'direct'] as const) {
      clusters.push(
        await LocalCluster.start({
          strategy,
          nodes: 2,
          benchUserScryptN: BENCH_SCRYPT_N,
          maxConnectionsPerNode: 10_000,
          logLevel: 'warn',
        }),
      );
    }
    // Heartbeats bring the nodes into each registry (the nlb targets are healthy once start resolved).
    await sleep(1_500);
    const [nlb, direct] = clusters;
    worker = new Worker(buildFrom(job.build), 'path');
    return await worker.run(
      {
        ...job.path,
        paths: [
          {
            name: NLB_PATHS.direct,
            via: { kind: 'auth', authUrl: direct.authUrl, credentials: direct.benchCredentials! },
          },
          {
            name: NLB_PATHS.nlb,
            via: { kind: 'auth', authUrl: nlb.authUrl, credentials: nlb.benchCredentials! },
          },
        ],
      },
      progress,
    );
  },
  async stop() {
    await worker?.stop();
    for (const c of clusters.splice(0)) await c.stop();
  },
});
