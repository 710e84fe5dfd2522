/** Messages between the bench and its worker processes (over the IPC channel). */
export type ToWorker = { type: 'run'; job: unknown } | { type: 'status' } | { type: 'stop' };

export type FromWorker =
  | { type: 'progress'; done: number }
  | { type: 'result'; data: unknown }
  | { type: 'status'; data: unknown }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/** Every job carries its own time bound: the worker exits by itself when it passes. */
export interface BoundedJob {
  deadlineMs: number;
}
