import type { BoundedJob, FromWorker, ToWorker } from './protocol';

/** One method a worker serves: its argument, a progress callback, and what it answers. */
// biome-ignore lint/suspicious/noExplicitAny: each method names its own argument type.
export type WorkerMethod = (arg: any, progress: (done: number) => void) => unknown;

/** A worker of the bench's kind: one bounded job, a status, and what to undo when it stops. */
export interface WorkerHandler<J extends BoundedJob, R, S> {
  run(job: J, progress: (done: number) => void): Promise<R>;
  status?(): S | Promise<S>;
  stop?(): Promise<void> | void;
}

const log = (event: string, fields: object = {}) =>
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, event, ...fields })}\n`,
  );

const hasDeadline = (arg: unknown): arg is BoundedJob =>
  typeof arg === 'object' && arg !== null && typeof (arg as BoundedJob).deadlineMs === 'number';

/**
 * The worker side of the protocol: answer each call with its method's result (or its error), send progress
 * at most every 200 ms, stop on request. The worker also stops by itself at the first job's deadline (exit
 * 3), when its parent goes, or on SIGTERM; `stop` runs first each time.
 */
export function serveMethods(methods: Record<string, WorkerMethod>, stop?: () => Promise<void> | void): void {
  const send = (message: FromWorker, then?: () => void) => {
    if (process.connected) process.send!(message, undefined, {}, () => then?.());
    else then?.();
  };
  let stopping = false;
  let deadline: NodeJS.Timeout | undefined;
  const finish = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    // A stop on request is the normal end; the others are worth a line.
    if (why !== 'asked') log('stopping', { why });
    try {
      await stop?.();
    } catch (err) {
      log('stop failed', { err: (err as Error).message });
    }
    send({ type: 'stopped' }, () => process.exit(code));
    setTimeout(() => process.exit(code), 1_000).unref();
  };
  let lastProgress = 0;
  const progress = (done: number) => {
    const now = Date.now();
    if (now - lastProgress < 200) return;
    lastProgress = now;
    send({ type: 'progress', done });
  };
  process.on('disconnect', () => void finish(0, 'parent gone'));
  process.on('SIGTERM', () => void finish(0, 'SIGTERM'));
  process.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      void finish(0, 'asked');
      return;
    }
    const { id, method, arg } = message;
    if (!deadline && hasDeadline(arg)) {
      deadline = setTimeout(() => void finish(3, 'deadline'), arg.deadlineMs);
      deadline.unref();
    }
    void (async () => {
      try {
        const run = methods[method];
        if (!run) throw new Error(`no method ${method}`);
        send({ type: 'reply', id, data: await run(arg, progress) });
      } catch (err) {
        log('call failed', { method, err: (err as Error).message });
        send({ type: 'error', id, message: (err as Error).stack ?? (err as Error).message });
      }
    })();
  });
}

/** A worker of the bench's kind: `run` (with the job's deadline) and `status`. */
export function serveWorker<J extends BoundedJob, R, S = unknown>(handler: WorkerHandler<J, R, S>): void {
  serveMethods(
    { run: (job: J, progress) => handler.run(job, progress), status: () => handler.status?.() },
    () => handler.stop?.(),
  );
}
