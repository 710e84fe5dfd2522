import { type ChildProcess, fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface NodeProcessOptions {
  bundle: string;
  nodeId: string;
  env: Record<string, string>;
  logFile: string;
  /** Open the V8 inspector on a free loopback port (chaos reads heap after GC through it). @default false */
  inspect?: boolean;
  /**
   * How long the node may take to listen and register before it is killed and `start` rejects.
   * @default NODE_START_TIMEOUT_MS (30 s: one node on a busy 2-core machine, bundle load included)
   */
  startTimeoutMs?: number;
}

/** A lone node's start budget; {@link nodeStartTimeoutMs} widens it for nodes started side by side. */
export const NODE_START_TIMEOUT_MS = 30_000;

/**
 * The start budget of each of `count` nodes started at once: they share the machine's cores while each loads
 * its bundle and registers, so each may take longer than one alone: 30 s, plus 2 s for every other node.
 */
export const nodeStartTimeoutMs = (count: number): number =>
  NODE_START_TIMEOUT_MS + 2_000 * Math.max(0, count - 1);

/** Lines of a node's stderr kept for the error when it does not start. */
const STDERR_TAIL_LINES = 20;

/** One WS node as a child process; it reports its port over IPC once it is listening and registered. */
export class NodeProcess {
  readonly nodeId: string;
  endpoint = '';
  port = 0;
  /** The inspector's `ws://127.0.0.1:…` URL when started with `inspect`. */
  inspectorUrl?: string;
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** The last {@link STDERR_TAIL_LINES} lines the node wrote to stderr (each cut at 500 characters). */
  private readonly stderrTail: string[] = [];

  private constructor(options: NodeProcessOptions) {
    this.nodeId = options.nodeId;
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.child = fork(options.bundle, [], {
      // The bundle is plain JavaScript: without this the child inherits tsx's loader from `npm start`. No
      // --enable-source-maps (EC2's unit has it): here it cost each node ~20 MB and a slower start, and local
      // clusters start many; the map lies beside the bundle for reading a stack trace.
      execArgv: options.inspect ? ['--inspect=127.0.0.1:0'] : [],
      // A local node listens on loopback on a free port unless the caller says otherwise.
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        PATH: process.env.PATH ?? '',
        ...options.env,
        NODE_ID: options.nodeId,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.child.stderr?.on('data', (chunk: Buffer) => this.noteStderr(chunk));
    if (options.inspect) this.child.stderr?.on('data', (chunk: Buffer) => this.noteInspector(chunk));
    // 'close', not 'exit': by then its stderr is read to the end, so a failed start can quote it.
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  /**
   * Fork the node and wait until it listens and has registered (its `listening` IPC message).
   * @throws {Error} naming the node, what it did not do in time (or its exit code), its last stderr lines and
   *   its log file; the process is killed first.
   */
  static async start(options: NodeProcessOptions): Promise<NodeProcess> {
    const node = new NodeProcess(options);
    const timeoutMs = options.startTimeoutMs ?? NODE_START_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Not ours to leave behind: the caller gets no handle to a node that failed to start.
        node.kill();
        reject(
          new Error(
            `${options.nodeId} did not become ready (listening and registered) within ${timeoutMs} ms` +
              node.startFailureDetail(options.logFile),
          ),
        );
      }, timeoutMs);
      node.child.once('message', (msg: { type?: string; endpoint?: string; port?: number }) => {
        if (msg.type !== 'listening') return;
        clearTimeout(timer);
        node.endpoint = msg.endpoint ?? '';
        node.port = msg.port ?? 0;
        resolve();
      });
      node.exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `${options.nodeId} exited with ${code} before listening` +
              node.startFailureDetail(options.logFile),
          ),
        );
      });
    });
    return node;
  }

  private noteStderr(chunk: Buffer): void {
    const lines = String(chunk)
      .split('\n')
      .filter((line) => line.trim() !== '');
    this.stderrTail.push(...lines.map((line) => line.slice(0, 500)));
    this.stderrTail.splice(0, Math.max(0, this.stderrTail.length - STDERR_TAIL_LINES));
  }

  private startFailureDetail(logFile: string): string {
    const tail = this.stderrTail.length
      ? `; its last stderr lines:\n${this.stderrTail.map((line) => `  ${line}`).join('\n')}`
      : '; nothing on its stderr';
    return `${tail}\n(whole log: ${logFile})`;
  }

  private noteInspector(chunk: Buffer): void {
    this.inspectorUrl ??= /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(String(chunk))?.[1];
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM: the node drains and exits 0. */
  drain(): void {
    if (this.running) this.child.kill('SIGTERM');
  }

  /** SIGKILL: a crash, as `kill -9`. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Drain, and kill if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.drain();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
