/**
 * One client process of the ramp section: its share of the arrivals, each at its own scheduled time (open
 * loop up to `maxInFlight`: a slow server does not slow the arrivals until then), each a login (`POST /session`, the product's
 * `requestSession`) and then the WebSocket the auth service named. A refusal is counted, not retried, so the
 * section sees every one: a login the auth service refused (no node with headroom, busy) and an upgrade a node
 * refused (full, draining). Sockets stay open until the worker stops.
 */
import WebSocket from 'ws';
import { sleep } from '../../harness/stats';
import type { BoundedJob } from '../../harness/worker/protocol';
import { serveWorker } from '../../harness/worker/serve';
import { AuthUnavailableError, requestSession, sessionUrl } from '../../runtime/client/node';

export interface RampJob extends BoundedJob {
  authUrl: string;
  credentials: { username: string; password: string };
  /** Arrivals of the whole ramp, over every worker. */
  total: number;
  /** This worker takes arrivals `index`, `index + workers`, `index + 2 × workers`, … */
  index: number;
  workers: number;
  /** Epoch ms of the ramp's first arrival; arrival k comes at `startAt + k × durationMs / total`. */
  startAt: number;
  durationMs: number;
  /** Give up on a login or an upgrade after this long, in ms. */
  openTimeoutMs: number;
  /**
   * Arrivals in flight at most: past it, the next one waits (and counts as late) instead of piling onto a
   * saturated machine, so a refusal is the fleet's, never the load generator's.
   */
  maxInFlight: number;
  /** Epoch ms after which no arrival starts: those left count as not started (the run reports, never hangs). */
  arrivalsUntil: number;
}

export interface RampResult {
  opened: number;
  /** Logins answered 503 or 429 (auth: no node has headroom, too many logins in progress). */
  refusedLogins: number;
  /** Upgrades a node answered 503 (full or draining). */
  refusedUpgrades: number;
  /** Every other failure by cause (timeouts, other statuses, socket errors). */
  failures: Record<string, number>;
  /** Sockets that opened and closed again before the end. */
  dropped: number;
  /** The most an arrival started after its scheduled time, in ms: the load generator keeping pace. */
  maxLagMs: number;
  /** When this worker's last arrival started, in ms after `startAt`. */
  lastArrivalMs: number;
  /** Arrivals not started by `arrivalsUntil`. */
  notStarted: number;
}

const sockets = new Set<WebSocket>();
const result: RampResult = {
  opened: 0,
  refusedLogins: 0,
  refusedUpgrades: 0,
  failures: {},
  dropped: 0,
  maxLagMs: 0,
  lastArrivalMs: 0,
  notStarted: 0,
};

const fail = (why: string) => {
  result.failures[why] = (result.failures[why] ?? 0) + 1;
};

function upgrade(url: string, token: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['wslb', `token.${token}`], {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
    });
    let settled = false;
    const settle = (why?: string) => {
      if (settled) return;
      settled = true;
      if (why) {
        if (why === 'http 503') result.refusedUpgrades += 1;
        else fail(why);
        ws.terminate();
      }
      resolve();
    };
    ws.once('open', () => {
      result.opened += 1;
      sockets.add(ws);
      settle();
    });
    ws.once('unexpected-response', (_req, res) => settle(`http ${res.statusCode}`));
    ws.on('error', (err: Error & { code?: string }) => settle(err.code ?? err.message));
    ws.once('close', () => {
      if (sockets.delete(ws)) result.dropped += 1;
    });
  });
}

async function arrive(job: RampJob): Promise<void> {
  let session: { url: string; token: string };
  try {
    session = await requestSession(fetch, sessionUrl(job.authUrl), job.credentials, job.openTimeoutMs);
  } catch (err) {
    const status = err instanceof AuthUnavailableError ? err.status : undefined;
    if (status === 503 || status === 429) result.refusedLogins += 1;
    else fail(status ? `login http ${status}` : (err as Error).message);
    return;
  }
  await upgrade(session.url, session.token, job.openTimeoutMs);
}

serveWorker<RampJob, RampResult, { opened: number }>({
  async run(job, progress) {
    const inFlight = new Set<Promise<void>>();
    for (let k = job.index; k < job.total; k += job.workers) {
      const due = job.startAt + (k * job.durationMs) / job.total;
      await sleep(due - Date.now());
      while (inFlight.size >= job.maxInFlight) await Promise.race(inFlight);
      if (Date.now() > job.arrivalsUntil) {
        result.notStarted = Math.ceil((job.total - k) / job.workers);
        break;
      }
      result.maxLagMs = Math.max(result.maxLagMs, Date.now() - due);
      result.lastArrivalMs = Date.now() - job.startAt;
      const one = arrive(job).finally(() => {
        inFlight.delete(one);
        progress(result.opened);
      });
      inFlight.add(one);
    }
    await Promise.all([...inFlight]);
    progress(result.opened);
    return result;
  },
  status: () => ({ opened: sockets.size }),
  stop() {
    for (const ws of sockets) ws.terminate();
    sockets.clear();
  },
});
