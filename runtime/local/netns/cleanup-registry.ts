import { removeNamespaceSync } from './remove-namespace';

const live = new Set<string>();
let hooked = false;

function deleteAllSync(): void {
  for (const name of [...live]) {
    removeNamespaceSync(name);
    live.delete(name);
  }
}

/**
 * On a signal, an application with its own handler (the local cluster's shutdown) cleans up itself and
 * the `exit` hook catches what is left; without one, we clean up and re-raise so the default action runs.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  deleteAllSync();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  // `exit` also runs after an uncaught exception or process.exit(); only synchronous work is possible there.
  process.on('exit', deleteAllSync);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function trackNamespace(name: string): void {
  live.add(name);
  hook();
}

export function untrackNamespace(name: string): void {
  live.delete(name);
}

/** Delete every namespace this process created and has not deleted yet (e.g. from a failure path). */
export function cleanupNow(): void {
  deleteAllSync();
}

/** Namespaces created by this process and not yet deleted. */
export function trackedNamespaces(): string[] {
  return [...live];
}
