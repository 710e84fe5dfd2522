import WebSocket from 'ws';

export interface HeapAfterGc {
  /** V8 heap in use after two full collections, MiB: what a leak would grow. */
  heapUsedMiB: number;
  /** Resident set size at the same moment, MiB. */
  rssMiB: number;
}

const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

/**
 * Runs a full garbage collection in another Node process through its inspector (Chrome DevTools Protocol)
 * and reads `process.memoryUsage()` there. RSS alone cannot tell a leak from V8 keeping a grown heap
 * until its next major GC; the heap in use after a forced GC can.
 */
export async function heapAfterGc(inspectorUrl: string, timeoutMs = 10_000): Promise<HeapAfterGc> {
  const ws = new WebSocket(inspectorUrl);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ws.terminate();
  }, timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('close', () => reject(new Error(`inspector ${inspectorUrl} closed`)));
    });
    const call = cdpCaller(ws);
    // Two passes: the first can leave objects whose finalizers free more on the second.
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const result = (await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(result.result.value) as { heapUsed: number; rss: number };
    return { heapUsedMiB: mib(usage.heapUsed), rssMiB: mib(usage.rss) };
  } catch (err) {
    // Ended by the time limit: say so, not only that the inspector closed.
    if (timedOut) throw new Error(`heap after GC: no answer from ${inspectorUrl} within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    ws.close();
  }
}

function cdpCaller(ws: WebSocket): (method: string, params?: object) => Promise<unknown> {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error.message));
    else waiter.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const w of pending.values()) w.reject(new Error('inspector closed'));
  });
  return (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
}
