import '../../runtime/local/quiet-sdk-warning';
import { sleep } from '../../harness/stats';
import { type FleetJob, openFleet } from '../../harness/worker/fleet-job';
import { serveMethods } from '../../harness/worker/serve';
import type { WslbClient } from '../../runtime/client';
import type { ClientFleet } from '../../runtime/local/client-fleet';
import type { ClientStatus, EchoResult, Opened } from './client-protocol';
import { tapSessionTokens } from './token-tap';

/**
 * One client process of a chaos run: the product's ClientFleet, plus per-client timing of every
 * close → reopen. Bounded: it exits by itself at the open job's deadline, and when its parent goes.
 */
const tokens = tapSessionTokens();
let fleet: ClientFleet | undefined;
let phase = newPhase();

function newPhase() {
  return {
    closes: {} as Record<string, Record<string, number>>,
    reopenedOn: {} as Record<string, number>,
    reopenDelaysMs: [] as number[],
    failedAttempts: 0,
    gaveUp: 0,
    after1012: [] as { attempt: number; delayMs: number }[],
    reopenBackoffMs: [] as number[],
    retryCauses: {} as Record<string, number>,
  };
}

function watch(client: WslbClient): void {
  let closedAt: number | undefined;
  let backoffMs = 0;
  client.on('close', ({ code }) => {
    closedAt = Date.now();
    backoffMs = 0;
    const node = client.node ?? 'unknown';
    phase.closes[node] = phase.closes[node] ?? {};
    const byCode = phase.closes[node];
    byCode[code] = (byCode[code] ?? 0) + 1;
  });
  client.on('open', ({ node }) => {
    if (closedAt === undefined) return;
    phase.reopenDelaysMs.push(Date.now() - closedAt);
    phase.reopenBackoffMs.push(backoffMs);
    closedAt = undefined;
    const on = node ?? 'unknown';
    phase.reopenedOn[on] = (phase.reopenedOn[on] ?? 0) + 1;
  });
  client.on('reconnecting', ({ cause, attempt, delayMs }) => {
    if (cause.startsWith('connect failed')) phase.failedAttempts += 1;
    phase.retryCauses[cause] = (phase.retryCauses[cause] ?? 0) + 1;
    backoffMs += delayMs;
    // `attempt` counts this retry: the window was drawn from the one before.
    if (cause === 'closed 1012') phase.after1012.push({ attempt: attempt - 1, delayMs });
  });
  client.on('error', () => {
    phase.gaveUp += 1;
  });
}

async function open(job: FleetJob, progress: (opened: number) => void): Promise<Opened> {
  const opened = await openFleet(job, progress);
  fleet = opened.fleet;
  const { connected, failed } = opened;
  // Scenarios mark after the fleet is open; what happened while opening is not timed.
  for (const c of fleet.clients) watch(c);
  return { connected, failed };
}

function byUrl(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of fleet?.clients ?? []) {
    const url = c.connected ? fleet?.urlOf.get(c) : undefined;
    if (url) counts[url] = (counts[url] ?? 0) + 1;
  }
  return counts;
}

function status(): ClientStatus {
  return {
    connected: fleet?.connectedCount() ?? 0,
    clients: fleet?.clients.length ?? 0,
    byNode: Object.fromEntries(fleet?.byNode() ?? []),
    byUrl: byUrl(),
    ...phase,
  };
}

/** One message on every open client; counts the echoes back within the timeout. */
async function echo(timeoutMs: number): Promise<EchoResult> {
  const open = (fleet?.clients ?? []).filter((c) => c.connected);
  const results = await Promise.all(
    open.map(
      (client, i) =>
        new Promise<boolean>((resolve) => {
          const text = `echo-${process.pid}-${i}-${Date.now()}`;
          const timer = setTimeout(() => done(false), timeoutMs);
          const onMessage = (data: unknown) => {
            if (String(data) === text) done(true);
          };
          const done = (ok: boolean) => {
            clearTimeout(timer);
            client.off('message', onMessage);
            resolve(ok);
          };
          client.on('message', onMessage);
          try {
            client.send(text);
          } catch {
            done(false);
          }
        }),
    ),
  );
  return { sent: open.length, echoed: results.filter(Boolean).length };
}

serveMethods(
  {
    open,
    status,
    /** Start a new phase: closes, reopens and their delays count from now. */
    mark: () => {
      phase = newPhase();
      return status();
    },
    echo: (timeoutMs: number) => echo(timeoutMs),
    tokens: () => [...tokens],
  },
  // Closing frames go out before the process exits.
  async () => {
    fleet?.closeAll();
    await sleep(300);
  },
);
