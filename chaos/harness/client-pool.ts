import { join } from 'node:path';
import type { FleetJob } from '../../harness/worker/fleet-job';
import { split, spread } from '../../harness/worker/spread';
import { Worker, type WorkerPrograms } from '../../harness/worker/worker';
import type { ClientStatus, EchoResult, Opened } from '../workers/client-protocol';

/** Chaos workers run from their sources through tsx; their stderr joins the run's. */
const PROGRAMS: WorkerPrograms = { worker: (name) => join(__dirname, '../workers', `${name}.ts`) };

const mergeCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/**
 * Clients spread over several processes (none near the 20,000-file limit), driven as one fleet:
 * open, mark a phase, read what happened since, echo on every socket, stop.
 */
export class ClientPool {
  private readonly workers: Worker[];

  constructor(
    processes: number,
    private readonly deadlineMs = 600_000,
  ) {
    this.workers = Array.from({ length: processes }, () => new Worker(PROGRAMS, 'client-worker'));
  }

  /** How many client processes. */
  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid ?? 0);
  }

  /** Opens `total` clients, split evenly; `onProgress` sees the sum of opened sockets. */
  async open(
    job: Omit<FleetJob, 'count' | 'deadlineMs'> & { total: number },
    onProgress?: (opened: number) => void,
  ): Promise<Opened> {
    const { total, ...rest } = job;
    const counts = split(total, this.workers.length);
    const replies = await spread(
      this.workers,
      (w, i, progress) =>
        w.call<Opened>('open', { ...rest, count: counts[i], deadlineMs: this.deadlineMs }, progress),
      onProgress,
    );
    return {
      connected: replies.reduce((s, r) => s + r.connected, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
    };
  }

  async status(): Promise<ClientStatus> {
    return merge(await this.each<ClientStatus>('status'));
  }

  /** Start a new phase: closes, reopens and their delays count from now. */
  async mark(): Promise<ClientStatus> {
    return merge(await this.each<ClientStatus>('mark'));
  }

  async echo(timeoutMs = 5_000): Promise<EchoResult> {
    const all = await this.each<EchoResult>('echo', timeoutMs);
    return all.reduce((a, r) => ({ sent: a.sent + r.sent, echoed: a.echoed + r.echoed }), {
      sent: 0,
      echoed: 0,
    });
  }

  /** Every session token the clients received (for the secrets scan). */
  async tokens(): Promise<string[]> {
    return (await this.each<string[]>('tokens')).flat();
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
  }

  private each<T>(method: string, arg?: unknown): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.call<T>(method, arg)));
  }
}

function merge(replies: ClientStatus[]): ClientStatus {
  const out: ClientStatus = {
    connected: 0,
    clients: 0,
    byNode: {},
    byUrl: {},
    closes: {},
    reopenedOn: {},
    reopenDelaysMs: [],
    reopenBackoffMs: [],
    failedAttempts: 0,
    gaveUp: 0,
    after1012: [],
    retryCauses: {},
  };
  for (const s of replies) {
    out.connected += s.connected;
    out.clients += s.clients;
    out.failedAttempts += s.failedAttempts;
    out.gaveUp += s.gaveUp;
    mergeCounts(out.byNode, s.byNode);
    mergeCounts(out.byUrl, s.byUrl);
    mergeCounts(out.reopenedOn, s.reopenedOn);
    for (const [node, codes] of Object.entries(s.closes)) {
      out.closes[node] = out.closes[node] ?? {};
      mergeCounts(out.closes[node], codes);
    }
    out.reopenDelaysMs.push(...s.reopenDelaysMs);
    out.reopenBackoffMs.push(...s.reopenBackoffMs);
    out.after1012.push(...s.after1012);
    mergeCounts(out.retryCauses, s.retryCauses);
  }
  return out;
}

/** Closes with `code` across all nodes. */
export const closesWith = (s: ClientStatus, code: number) =>
  Object.values(s.closes).reduce((sum, codes) => sum + (codes[code] ?? 0), 0);
