import { ClientFleet } from '../../runtime/local/client-fleet';
import type { BoundedJob } from './protocol';

/** `count` product clients that log in through the auth service at `authUrl` and connect where it says. */
export interface FleetJob extends BoundedJob {
  authUrl: string;
  credentials: { username: string; password: string };
  count: number;
  /** Logins and connects in flight at once. */
  concurrency: number;
  /** How long one client may take to open before it counts as failed, in ms. */
  openTimeoutMs: number;
}

/**
 * In a worker: the product's `ClientFleet` for `job`, opened; `progress` sees the count of open clients.
 * Resolves with the fleet (still open) and how many opened or did not in time.
 */
export async function openFleet(
  job: FleetJob,
  progress: (opened: number) => void,
): Promise<{ fleet: ClientFleet; connected: number; failed: number }> {
  const fleet = new ClientFleet({
    authUrl: job.authUrl,
    credentials: job.credentials,
    concurrency: job.concurrency,
    openTimeoutMs: job.openTimeoutMs,
    onProgress: progress,
  });
  const { connected, failed } = await fleet.open(job.count);
  return { fleet, connected, failed };
}
