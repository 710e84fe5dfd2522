import { type OpenedSockets, openSockets, presignTokens, SocketSet } from './open-sockets';
import type { BoundedJob } from './protocol';
import { serveWorker } from './serve';

export interface ConnectJob extends BoundedJob {
  /** Sockets go round-robin over these nodes; tokens are signed with the run's key for each node's audience. */
  targets: { url: string; audience: string }[];
  keyFile: string;
  count: number;
  concurrency: number;
  openTimeoutMs: number;
}

export interface ConnectStatus {
  open: number;
  dropped: number;
}

/** Opens idle sockets straight to nodes with self-signed tokens (a node measured alone), holds them until stopped. */
const set = new SocketSet();

serveWorker<ConnectJob, OpenedSockets, ConnectStatus>({
  async run(job, progress) {
    const perTarget = await Promise.all(
      job.targets.map((t) =>
        presignTokens(job.keyFile, t.audience, Math.ceil(job.count / job.targets.length)),
      ),
    );
    return openSockets(set, {
      count: job.count,
      concurrency: job.concurrency,
      openTimeoutMs: job.openTimeoutMs,
      target: (i) => {
        const k = i % job.targets.length;
        return { url: job.targets[k].url, token: perTarget[k][Math.floor(i / job.targets.length)] };
      },
      onProgress: progress,
    });
  },
  status: () => ({ open: set.sockets.size, dropped: set.dropped }),
  async stop() {
    set.closeAll();
  },
});
