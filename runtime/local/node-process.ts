import { type ChildProcess, fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface NodeProcessOptions {
  bundle: string;
  nodeId: string;
  env: Record<string, string>;
  logFile: string;
  /** Open the V8 inspector on a free loopback port (chaos reads heap after GC through it). @default false */
  inspect?: boolean;
}

/** One WS node as a child process; it reports its port over IPC once it is listening and registered. */
export class NodeProcess {
  readonly nodeId: string;
  endpoint = '';
  port = 0;
  /** The inspector's `ws://127.0.0.1:…` URL when started with `inspect`. */
  inspectorUrl?: string;
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

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
    if (options.inspect) this.child.stderr?.on('data', (chunk: Buffer) => this.noteInspector(chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  static async start(options: NodeProcessOptions, timeoutMs = 30_000): Promise<NodeProcess> {
    const node = new NodeProcess(options);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Not ours to leave behind: the caller gets no handle to a node that failed to start.
        node.kill();
        reject(new Error(`${options.nodeId} did not start within ${timeoutMs} ms`));
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
        reject(new Error(`${options.nodeId} exited with ${code} before listening; see ${options.logFile}`));
      });
    });
    return node;
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
