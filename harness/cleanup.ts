/**
 * Everything the bench starts registers an undo here, so a failure or Ctrl-C stops it by PID and
 * removes its namespaces. `undo` is the orderly way; `emergency` must be synchronous (it also runs on exit).
 */
interface Entry {
  what: string;
  undo: () => Promise<void>;
  emergency: () => void;
}

const entries = new Map<number, Entry>();
let nextId = 1;

export function onCleanup(what: string, undo: () => Promise<void>, emergency: () => void): () => void {
  const id = nextId++;
  entries.set(id, { what, undo, emergency });
  return () => {
    entries.delete(id);
  };
}

/** Undo everything still registered, newest first; each undo is bounded by `timeoutMs`. */
export async function cleanupAll(timeoutMs = 15_000): Promise<void> {
  const list = [...entries.entries()].reverse();
  entries.clear();
  for (const [, entry] of list) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const done = await Promise.race([
      entry.undo().then(
        () => false,
        () => true,
      ),
      timedOut,
    ]);
    clearTimeout(timer);
    if (done) entry.emergency();
  }
}

function emergencyAll(): void {
  for (const entry of [...entries.values()].reverse()) {
    try {
      entry.emergency();
    } catch {
      // best effort: the process is exiting
    }
  }
  entries.clear();
}

/** Ctrl-C, SIGTERM and exit all end in cleanup; a second Ctrl-C skips the orderly part. */
export function installCleanupHandlers(): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      emergencyAll();
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\n${JSON.stringify({ event: 'interrupted', signal })}\n`);
    void cleanupAll(5_000).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', emergencyAll);
}

/** Signal a process group (each worker leads its own); one that is already gone is ignored. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
