import type { ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { spawnInNamespace } from '../../../../runtime/local/netns';

export type Message = { type: string; seq?: number; [key: string]: unknown };

/** A fixture script (test/runtime/local/nlb/fixtures/*.ts) running inside a namespace, driven over IPC. */
export class NsProcess {
  readonly messages: Message[] = [];
  private stderr = '';
  private seq = 0;
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4_000);
    });
    child.on('message', (message: Message) => {
      this.messages.push(message);
      for (const listener of this.listeners) listener();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** `script`: a bundled fixture (see useFixtureBundles). */
  static async start(namespace: string, script: string, args: string[]): Promise<NsProcess> {
    const fixture = basename(script);
    const child = spawnInNamespace(namespace, process.execPath, [script, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const proc = new NsProcess(child);
    await proc.waitFor((m) => m.type === 'ready', 15_000, `${fixture} ready`);
    return proc;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with the first message (already received or to come) that matches; bounded by timeoutMs. */
  waitFor(match: (m: Message) => boolean, timeoutMs: number, what = 'message'): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match);
        if (!found) return false;
        done();
        resolve(found);
        return true;
      };
      const onExit = () => {
        done();
        reject(new Error(`fixture exited while waiting for ${what}: ${this.stderr}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('exit', onExit);
      };
      if (check()) return;
      this.listeners.add(check);
      this.child.once('exit', onExit);
    });
  }

  async request<T = Message>(message: Message, timeoutMs = 10_000): Promise<T> {
    const seq = ++this.seq;
    this.child.send({ ...message, seq });
    const reply = await this.waitFor((m) => m.type === 'reply' && m.seq === seq, timeoutMs, message.type);
    const { type: _type, seq: _seq, error, ...body } = reply;
    if (error) throw new Error(`${message.type}: ${String(error)}`);
    return body as T;
  }

  /** SIGTERM by pid, SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await this.exited;
    clearTimeout(timer);
  }
}
