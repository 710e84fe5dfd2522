import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { killGroup, onCleanup } from '../../harness/cleanup';
import type {
  ClientStatus,
  EchoResult,
  FromClientWorker,
  OpenJob,
  ToClientWorker,
} from '../workers/client-protocol';

const WORKER = join(__dirname, '../workers/client-worker.ts');

/** One client process; it leads its own process group so a kill by PID takes everything it started. */
class ClientProcess {
  readonly child: ChildProcess;
  private readonly unregister: () => void;
  private readonly waiters: Array<{
    type: FromClientWorker['type'];
    resolve: (m: FromClientWorker) => void;
  }> = [];
  opened = 0;

  constructor(deadlineMs: number) {
    this.child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, CHAOS_DEADLINE_MS: String(deadlineMs) },
    });
    const pid = this.child.pid;
    this.unregister = onCleanup(
      `client worker ${pid}`,
      () => this.stop(),
      () => killGroup(pid),
    );
    this.child.on('message', (m: FromClientWorker) => {
      if (m.type === 'progress') this.opened = m.opened;
      const i = this.waiters.findIndex((w) => w.type === m.type || m.type === 'error');
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(m);
    });
    this.child.once('exit', () => {
      for (const w of this.waiters.splice(0)) w.resolve({ type: 'error', message: `worker ${pid} exited` });
    });
  }

  async ask<T extends FromClientWorker['type']>(message: ToClientWorker, answer: T) {
    const reply = await new Promise<FromClientWorker>((resolve) => {
      this.waiters.push({ type: answer, resolve });
      this.child.send(message);
    });
    if (reply.type === 'error') throw new Error(reply.message);
    return reply as Extract<FromClientWorker, { type: T }>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToClientWorker);
      const timer = setTimeout(() => killGroup(this.child.pid), 5_000);
      await exited;
      clearTimeout(timer);
    }
    killGroup(this.child.pid);
    this.unregister();
  }
}

const mergeCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/**
 * Clients spread over several processes (none near the 20,000-file limit), driven as one fleet:
 * open, mark a phase, read what happened since, echo on every socket, stop.
 */
export class ClientPool {
  private readonly workers: ClientProcess[];

  constructor(processes: number, deadlineMs = 600_000) {
    this.workers = Array.from({ length: processes }, () => new ClientProcess(deadlineMs));
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  /** Opens `total` clients, split evenly; `onProgress` sees the sum of opened sockets. */
  async open(job: Omit<OpenJob, 'count'> & { total: number }, onProgress?: (opened: number) => void) {
    const { total, ...rest } = job;
    const share = (i: number) =>
      Math.floor(total / this.workers.length) + (i < total % this.workers.length ? 1 : 0);
    const timer = setInterval(() => onProgress?.(this.workers.reduce((s, w) => s + w.opened, 0)), 250);
    try {
      const replies = await Promise.all(
        this.workers.map((w, i) => w.ask({ type: 'open', job: { ...rest, count: share(i) } }, 'opened')),
      );
      return {
        connected: replies.reduce((s, r) => s + r.connected, 0),
        failed: replies.reduce((s, r) => s + r.failed, 0),
      };
    } finally {
      clearInterval(timer);
    }
  }

  async status(): Promise<ClientStatus> {
    return merge(await Promise.all(this.workers.map((w) => w.ask({ type: 'status' }, 'status'))));
  }

  /** Start a new phase: closes, reopens and their delays count from now. */
  async mark(): Promise<ClientStatus> {
    return merge(await Promise.all(this.workers.map((w) => w.ask({ type: 'mark' }, 'status'))));
  }

  async echo(timeoutMs = 5_000): Promise<EchoResult> {
    const all = await Promise.all(this.workers.map((w) => w.ask({ type: 'echo', timeoutMs }, 'echo')));
    return all.reduce((a, { result }) => ({ sent: a.sent + result.sent, echoed: a.echoed + result.echoed }), {
      sent: 0,
      echoed: 0,
    });
  }

  /** Every session token the clients received (for the secrets scan). */
  async tokens(): Promise<string[]> {
    const all = await Promise.all(this.workers.map((w) => w.ask({ type: 'tokens' }, 'tokens')));
    return all.flatMap((r) => r.tokens);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

function merge(replies: Array<{ status: ClientStatus }>): ClientStatus {
  const out: ClientStatus = {
    connected: 0,
    clients: 0,
    byNode: {},
    closes: {},
    reopenedOn: {},
    reopenDelaysMs: [],
    failedAttempts: 0,
    gaveUp: 0,
  };
  for (const { status: s } of replies) {
    out.connected += s.connected;
    out.clients += s.clients;
    out.failedAttempts += s.failedAttempts;
    out.gaveUp += s.gaveUp;
    mergeCounts(out.byNode, s.byNode);
    mergeCounts(out.reopenedOn, s.reopenedOn);
    for (const [node, codes] of Object.entries(s.closes)) {
      out.closes[node] = out.closes[node] ?? {};
      mergeCounts(out.closes[node], codes);
    }
    out.reopenDelaysMs.push(...s.reopenDelaysMs);
  }
  return out;
}

/** Closes with `code` across all nodes. */
export const closesWith = (s: ClientStatus, code: number) =>
  Object.values(s.closes).reduce((sum, codes) => sum + (codes[code] ?? 0), 0);
