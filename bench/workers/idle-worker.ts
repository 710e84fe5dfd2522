import { serveMethods } from '../../harness/worker/serve';
import { openRawSockets, RawSocketSet } from './open-raw-sockets';
import { type OpenedSockets, tokenSigner } from './open-sockets';

/**
 * One client process of the capacity ramp: idle WebSockets to one node, each from its own source address and
 * port, opened and held by the raw client (bench/workers/raw-websocket.ts, decision 0183).
 */
export interface IdleJob {
  /** The node's `ws://` URL and the audience its tokens carry. */
  target: { url: string; audience: string };
  keyFile: string;
  count: number;
  /** Handshakes in flight at once (the per-process connect pacing). */
  inFlight: number;
  openTimeoutMs: number;
  /**
   * Socket `i` binds to `address`:`firstPort + i`, chosen here rather than by the kernel: a loopback address
   * of this run's own, so no port is shared with anything else and none has to be searched for.
   */
  source: { address: string; firstPort: number };
  /** The process exits by itself this long after the job arrives (the run's watchdog). */
  deadlineMs: number;
}

export interface IdleStatus {
  open: number;
  /** Sockets that were open and closed since. */
  dropped: number;
  /** Opened so far by the job in progress (or done). */
  opened: number;
  failed: number;
}

/** Distinct tokens a client signs ahead and deals out in turn; renewed well within their 300 s life. */
const POOL_SIZE = 256;
const RENEW_MS = 120_000;

/**
 * Signing costs the client ~0.2 ms of CPU a token here, as much as a sixth of what opening a connection costs
 * it; the node verifies every token in full whichever way it was signed (its verifier keeps no cache), so a
 * pool leaves the node's cost as it is and frees the cores for it.
 */
async function tokenPool(job: IdleJob): Promise<{ token: (i: number) => string; close: () => void }> {
  const sign = tokenSigner(job.keyFile);
  const fill = () => Promise.all(Array.from({ length: POOL_SIZE }, (_, i) => sign(job.target.audience, i)));
  let pool = await fill();
  const renew = setInterval(() => {
    void fill().then((fresh) => {
      pool = fresh;
    });
  }, RENEW_MS);
  return { token: (i) => pool[i % POOL_SIZE], close: () => clearInterval(renew) };
}

const set = new RawSocketSet();
let halted = false;
let opened = 0;
let failed = 0;

serveMethods(
  {
    async run(job: IdleJob, progress): Promise<OpenedSockets> {
      const tokens = await tokenPool(job);
      const url = new URL(job.target.url);
      const result = await openRawSockets(set, {
        count: job.count,
        concurrency: job.inFlight,
        openTimeoutMs: job.openTimeoutMs,
        target: (i) => ({
          host: url.hostname,
          port: Number(url.port),
          path: `${url.pathname}${url.search}`,
          token: tokens.token(i),
          localAddress: job.source.address,
          localPort: job.source.firstPort + i,
        }),
        onProgress: (n) => {
          opened = n;
          progress(n);
        },
        onFailure: () => {
          failed += 1;
        },
        halted: () => halted,
      }).finally(tokens.close);
      opened = result.opened;
      return result;
    },
    status: (): IdleStatus => ({ open: set.sockets.size, dropped: set.dropped, opened, failed }),
    halt: () => {
      halted = true;
    },
  },
  () => set.closeAll(),
);
