/**
 * Messages between a run (bench, chaos) and its worker processes, over the IPC channel. A worker serves named
 * methods; several calls may be in flight, each answered by its `id`. Progress is one count per worker.
 */
export type ToWorker = { type: 'call'; id: number; method: string; arg?: unknown } | { type: 'stop' };

export type FromWorker =
  | { type: 'progress'; done: number }
  | { type: 'reply'; id: number; data: unknown }
  | { type: 'error'; id: number; message: string }
  | { type: 'stopped' };

/** Every job carries its own time bound: the worker exits by itself when it passes. */
export interface BoundedJob {
  deadlineMs: number;
}
