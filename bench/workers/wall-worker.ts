import type { ClientOptions } from 'ws';
import { BALANCER_NAME, NodeRig } from '../../harness/node-rig';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { type LocalHaproxy, startLocalHaproxy } from '../../runtime/local/local-haproxy';
import { createLogger } from '../../runtime/shared/log';
import { openSockets, presignTokens, SocketSet } from './open-sockets';

export interface WallJob extends BoundedJob {
  nodeBundle: string;
  sourceIps: string[];
  attempts: number;
  /** Clients bind explicit ports from here, outside the narrowed range, so only HAProxy's side meets the wall. */
  clientPortBase: number;
}

export interface WallResult {
  sourceIps: number;
  attempts: number;
  opened: number;
  failed: number;
  errors: Record<string, number>;
  /** Connections HAProxy holds to the node, per `server` line (one per source IP). */
  perServer: Record<string, number>;
  held: number;
}

/**
 * Runs inside the bench's namespace: one wslb node, HAProxy in front of it with k source IPs, and clients
 * that keep opening until HAProxy can no longer get a local port towards the node.
 */
const sockets = new SocketSet();
let rig: NodeRig | undefined;
let haproxy: LocalHaproxy | undefined;

serveWorker<WallJob, WallResult>({
  async run(job, progress) {
    rig = await NodeRig.start(job.nodeBundle);
    const node = await rig.startNode('wall-1', job.attempts + 100);
    haproxy = await startLocalHaproxy({
      backends: [{ id: node.nodeId, host: '127.0.0.1', port: node.port }],
      sourceIps: job.sourceIps,
      logger: createLogger('wslb-local-haproxy', 'warn'),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const tokens = await presignTokens(rig.secrets.tokenSecretFile, BALANCER_NAME, job.attempts);
    const url = haproxy.url;
    const opened = await openSockets(sockets, {
      count: job.attempts,
      concurrency: 50,
      openTimeoutMs: 15_000,
      target: (i) => ({ url, token: tokens[i] }),
      wsOptions: (i) => ({ localAddress: '127.0.3.1', localPort: job.clientPortBase + i }) as ClientOptions,
      onProgress: progress,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const perServer = await haproxy.perServerCounts();
    return {
      sourceIps: job.sourceIps.length,
      attempts: job.attempts,
      opened: opened.opened,
      failed: opened.failed,
      errors: opened.errors,
      perServer,
      held: sockets.sockets.size,
    };
  },
  async stop() {
    sockets.closeAll();
    await haproxy?.close();
    await rig?.stop();
  },
});
