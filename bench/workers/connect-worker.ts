import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { type OpenedSockets, openSockets, SocketSet, tokenSigner } from './open-sockets';

export interface ConnectJob extends BoundedJob {
  /** Sockets go round-robin over these nodes; tokens are signed with the run's key for each node's audience. */
  targets: { url: string; audience: string }[];
  keyFile: string;
  count: number;
  concurrency: number;
  openTimeoutMs: number;
  /** Sign every token before opening (keeps signing out of a timed accept rate); else just in time. */
  presign: boolean;
}

export interface ConnectStatus {
  open: number;
  dropped: number;
}

/** Opens idle sockets straight to nodes with self-signed tokens (a node measured alone), holds them until stopped. */
const set = new SocketSet();

serveWorker<ConnectJob, OpenedSockets, ConnectStatus>({
  async run(job, progress) {
    const sign = tokenSigner(job.keyFile);
    const token = (i: number) => sign(job.targets[i % job.targets.length].audience, i);
    // Tokens live 300 s: opening 15,000 on a loaded machine can outlast tokens signed up front.
    const signed = job.presign
      ? await Promise.all(Array.from({ length: job.count }, (_, i) => token(i)))
      : [];
    return openSockets(set, {
      count: job.count,
      concurrency: job.concurrency,
      openTimeoutMs: job.openTimeoutMs,
      target: async (i) => ({
        url: job.targets[i % job.targets.length].url,
        token: signed[i] ?? (await token(i)),
      }),
      onProgress: progress,
    });
  },
  status: () => ({ open: set.sockets.size, dropped: set.dropped }),
  async stop() {
    set.closeAll();
  },
});
