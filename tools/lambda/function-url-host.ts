import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { type FunctionUrlRequest, functionUrlEvent } from './function-url-event';

/** What the function answered (payload format 2.0 result). */
export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Invocation {
  result: FunctionUrlResult;
  /** Handler time, in milliseconds: wall clock, and CPU time of all the process's threads. */
  ms: number;
  cpuMs: number;
  /** The process's resident set after the call, and its peak so far, in bytes. */
  rssBytes: number;
  maxRssBytes: number;
}

type Reply = {
  type: 'result';
  id: number;
  result?: FunctionUrlResult;
  error?: string;
  ms: number;
  cpuMs: number;
  rssBytes: number;
  maxRssBytes: number;
};

/**
 * One execution environment of the auth function on this machine: a child process of the Lambda's Node.js
 * major that loads the synthesized bundle once and handles one event at a time, with the function's
 * environment (secrets and the registry reached through `AWS_ENDPOINT_URL_*`).
 */
export class FunctionUrlHost {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private exited?: Error;

  private constructor(
    private readonly child: ChildProcess,
    /** `process.version` of the child, e.g. `v24.22.3`. */
    readonly version: string,
    /** Time to load the bundle (init), in milliseconds, and the process's memory after it. */
    readonly init: { ms: number; rssBytes: number; maxRssBytes: number },
  ) {
    child.on('message', (msg: Reply) => {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      waiter?.resolve(msg);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`function host exited (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
    });
  }

  static async start(options: {
    nodeBinary: string;
    entry: string;
    env: Record<string, string>;
  }): Promise<FunctionUrlHost> {
    const child = fork(path.join(__dirname, 'host-child.cjs'), [options.entry], {
      execPath: options.nodeBinary,
      execArgv: [],
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const ready = await new Promise<{
      version: string;
      initMs: number;
      rssBytes: number;
      maxRssBytes: number;
    }>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) =>
        reject(new Error(`function host exited with ${code} at init:\n${output.join('')}`)),
      );
      child.once('error', reject);
    });
    const host = new FunctionUrlHost(child, ready.version, {
      ms: ready.initMs,
      rssBytes: ready.rssBytes,
      maxRssBytes: ready.maxRssBytes,
    });
    host.output = output;
    return host;
  }

  /** The child's last lines of stdout/stderr (the function's logs). */
  output: string[] = [];

  /** Invoke the handler with a raw event. @throws Error when the handler throws or the process died. */
  async invoke(event: unknown, timeoutMs = 60_000): Promise<Invocation> {
    if (this.exited) throw this.exited;
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from the function in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ type: 'invoke', id, event });
    });
    if (reply.error !== undefined || !reply.result) throw new Error(`handler failed: ${reply.error}`);
    return {
      result: reply.result,
      ms: reply.ms,
      cpuMs: reply.cpuMs,
      rssBytes: reply.rssBytes,
      maxRssBytes: reply.maxRssBytes,
    };
  }

  /** Invoke with a Function URL (payload 2.0) event made from `req`. */
  request(req: FunctionUrlRequest): Promise<Invocation> {
    return this.invoke(functionUrlEvent(req));
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await gone;
  }
}
