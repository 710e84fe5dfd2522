import type { BoundedJob, FromWorker, ToWorker } from './protocol';

export interface WorkerHandler<J extends BoundedJob, R, S> {
  run(job: J, progress: (done: number) => void): Promise<R>;
  status?(): S | Promise<S>;
  stop?(): Promise<void>;
}

const log = (event: string, fields: object = {}) =>
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), pid: process.pid, event, ...fields })}\n`,
  );

/**
 * The worker side of the protocol: run one job, answer status queries, stop on request. The worker also
 * stops by itself at the job's deadline, when the bench goes away, or on SIGTERM.
 */
export function serveWorker<J extends BoundedJob, R, S = unknown>(handler: WorkerHandler<J, R, S>): void {
  const send = (message: FromWorker, then?: () => void) => {
    if (process.connected) process.send!(message, undefined, {}, () => then?.());
    else then?.();
  };
  let stopping = false;
  const finish = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    log('stopping', { why });
    try {
      await handler.stop?.();
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
  process.on('disconnect', () => void finish(0, 'bench gone'));
  process.on('SIGTERM', () => void finish(0, 'SIGTERM'));
  process.on('message', (message: ToWorker) => {
    void (async () => {
      try {
        if (message.type === 'run') {
          const job = message.job as J;
          setTimeout(() => void finish(3, 'deadline'), job.deadlineMs).unref();
          send({ type: 'result', data: await handler.run(job, progress) });
        } else if (message.type === 'status') {
          send({ type: 'status', data: await handler.status?.() });
        } else if (message.type === 'stop') {
          await finish(0, 'asked');
        }
      } catch (err) {
        log('job failed', { err: (err as Error).message });
        send({ type: 'error', message: (err as Error).message });
      }
    })();
  });
}
