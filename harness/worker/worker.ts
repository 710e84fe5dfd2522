import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { killGroup, onCleanup } from '../cleanup';
import type { BoundedJob, FromWorker, ToWorker } from './protocol';

/** Where a run's worker programs are: a `.js` file runs in plain Node, a `.ts` file through tsx. */
export interface WorkerPrograms {
  /** Each worker's stderr goes to `<dir>/<name>-<n>.log`; without it, to this process's stderr. */
  readonly dir?: string;
  worker(name: string): string;
}

export interface WorkerOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  env?: Record<string, string>;
  /**
   * Run this TypeScript file through tsx instead of the program `name`: for hosts that start a
   * `LocalCluster`, which bundles the node service from the sources at run time.
   */
  source?: string;
}

const ROOT = join(__dirname, '..', '..');

let serial = 0;

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  onProgress?: (done: number) => void;
}

/** How a worker process ended: its exit code or the signal that ended it. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One worker process, serving named methods (harness/worker/serve.ts). It leads its own process group, so
 * stopping it also stops what it started (HAProxy, nodes), by PID, even when it does not answer. `J`, `R`
 * and `S` type the bench's `run` job, its result and `status`; other methods go through `call`.
 * A worker that has exited (or whose IPC channel broke: EPIPE) never throws out of band: calls reject with
 * why, `stop()` resolves, and `exit` says how it ended.
 */
export class Worker<J extends BoundedJob = BoundedJob, R = unknown, S = unknown> {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly unregister: () => void;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ended: WorkerExit | undefined;
  /** The last IPC failure (EPIPE, ERR_IPC_CHANNEL_CLOSED), kept for the report. */
  private channelError: Error | undefined;

  constructor(programs: WorkerPrograms, name: string, options: WorkerOptions = {}) {
    const file = options.source ?? programs.worker(name);
    const node = file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
    const command = options.netns ? 'ip' : process.execPath;
    const args = options.netns ? ['netns', 'exec', options.netns, process.execPath, ...node] : node;
    this.child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', programs.dir ? 'pipe' : 'inherit', 'ipc'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    });
    if (programs.dir)
      this.child.stderr?.pipe(createWriteStream(join(programs.dir, `${name}-${++serial}.log`)));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    // Without a listener, a failed send to a worker that has just died (EPIPE) would crash the whole run.
    this.child.on('error', (err) => {
      this.channelError = err;
    });
    this.child.on('message', (message: FromWorker) => this.receive(message));
    this.child.once('exit', (code, signal) => {
      this.ended = { code, signal };
      this.failPending(`${name} worker exited (${code ?? signal}) before answering`);
    });
    const pid = this.child.pid;
    this.unregister = onCleanup(
      `${name} worker ${pid}`,
      () => this.stop(),
      () => killGroup(pid),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the process ended, once it has (`undefined` while it runs). */
  get exit(): WorkerExit | undefined {
    return this.ended;
  }

  /** Whether calls can still reach it: running, with its IPC channel open. */
  get reachable(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /**
   * Calls `method` with `arg`; `onProgress` sees the worker's progress count until the answer. Rejects
   * (never throws) when the worker is gone or goes before answering, or the message cannot be sent.
   */
  call<T>(method: string, arg?: unknown, onProgress?: (done: number) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (!this.reachable) {
        reject(new Error(`worker ${this.child.pid} is gone${this.describeEnd()}`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (data: unknown) => void, reject, onProgress });
      this.send({ type: 'call', id, method, arg }, (err) => {
        const pending = this.pending.get(id);
        if (!pending) return;
        this.pending.delete(id);
        pending.reject(new Error(`worker ${this.child.pid}: ${method} not sent (${err.message})`));
      });
    });
  }

  run(job: J, onProgress?: (done: number) => void): Promise<R> {
    return this.call<R>('run', job, onProgress);
  }

  status(): Promise<S> {
    return this.call<S>('status');
  }

  /** Ask it to stop; after `graceMs` kill its whole process group. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      // A channel that broke on the way (the worker died as we asked) ends in SIGTERM, as a closed one does.
      if (this.child.connected) this.send({ type: 'stop' }, () => killGroup(this.child.pid, 'SIGTERM'));
      else killGroup(this.child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(this.child.pid), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Anything it left in its group (a stray HAProxy) goes too.
    killGroup(this.child.pid);
    this.unregister();
  }

  /** Sends over IPC; a failure (EPIPE, closed channel) goes to `onError`, never to an 'error' event. */
  private send(message: ToWorker, onError: (err: Error) => void): void {
    try {
      this.child.send(message, (err) => {
        if (err) {
          this.channelError = err;
          onError(err);
        }
      });
    } catch (err) {
      this.channelError = err as Error;
      onError(err as Error);
    }
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) p.reject(new Error(why));
    this.pending.clear();
  }

  private describeEnd(): string {
    const end = this.ended ? ` (exited ${this.ended.code ?? this.ended.signal})` : '';
    return `${end}${this.channelError ? ` (${this.channelError.message})` : ''}`;
  }

  private receive(message: FromWorker): void {
    if (message.type === 'progress') {
      for (const p of this.pending.values()) p.onProgress?.(message.done);
      return;
    }
    if (message.type === 'stopped') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.type === 'error') pending.reject(new Error(message.message));
    else pending.resolve(message.data);
  }
}
