import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Build, HostName, WorkerName } from '../../bench/harness/worker-build';
import { killGroup, onCleanup } from '../cleanup';
import type { BoundedJob, FromWorker, ToWorker } from './protocol';

export interface WorkerOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  env?: Record<string, string>;
  /**
   * Run this TypeScript file through tsx instead of the bundled worker `name`: for hosts that start a
   * `LocalCluster`, which bundles the node service from the sources at run time.
   */
  source?: string;
}

const ROOT = join(__dirname, '..', '..');

let serial = 0;

/**
 * One load process. It leads its own process group, so stopping it also stops what it started
 * (HAProxy, nodes), by PID, even when it does not answer.
 */
export class Worker<J extends BoundedJob, R, S = unknown> {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly unregister: () => void;
  private waiting?: {
    type: FromWorker['type'];
    resolve: (data: unknown) => void;
    reject: (err: Error) => void;
  };
  private onProgress?: (done: number) => void;

  constructor(build: Build, name: WorkerName | HostName, options: WorkerOptions = {}) {
    const node = options.source ? ['--import', 'tsx', options.source] : [build.worker(name as WorkerName)];
    const command = options.netns ? 'ip' : process.execPath;
    const args = options.netns ? ['netns', 'exec', options.netns, process.execPath, ...node] : node;
    this.child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env },
    });
    this.child.stderr?.pipe(createWriteStream(join(build.dir, `${name}-${++serial}.log`)));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: FromWorker) => this.receive(message));
    this.child.once('exit', (code, signal) => {
      this.waiting?.reject(new Error(`${name} worker exited (${code ?? signal}) before answering`));
      this.waiting = undefined;
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

  run(job: J, onProgress?: (done: number) => void): Promise<R> {
    this.onProgress = onProgress;
    return this.ask({ type: 'run', job }, 'result') as Promise<R>;
  }

  status(): Promise<S> {
    return this.ask({ type: 'status' }, 'status') as Promise<S>;
  }

  /** Ask it to stop; after `graceMs` kill its whole process group. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToWorker);
      else killGroup(this.child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(this.child.pid), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Anything it left in its group (a stray HAProxy) goes too.
    killGroup(this.child.pid);
    this.unregister();
  }

  private ask(message: ToWorker, answer: FromWorker['type']): Promise<unknown> {
    if (this.waiting) throw new Error('one question at a time');
    return new Promise((resolve, reject) => {
      this.waiting = { type: answer, resolve, reject };
      this.child.send(message);
    });
  }

  private receive(message: FromWorker): void {
    if (message.type === 'progress') {
      this.onProgress?.(message.done);
      return;
    }
    const waiting = this.waiting;
    if (!waiting) return;
    if (message.type === 'error') {
      this.waiting = undefined;
      waiting.reject(new Error(message.message));
    } else if (message.type === waiting.type) {
      this.waiting = undefined;
      waiting.resolve('data' in message ? message.data : undefined);
    }
  }
}
