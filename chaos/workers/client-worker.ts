import '../../runtime/local/quiet-sdk-warning';
import type { WslbClient } from '../../runtime/client';
import { ClientFleet } from '../../runtime/local/client-fleet';
import type { ClientStatus, EchoResult, FromClientWorker, OpenJob, ToClientWorker } from './client-protocol';
import { tapSessionTokens } from './token-tap';

/**
 * One client process of a chaos run: the product's ClientFleet, plus per-client timing of every
 * close → reopen. Bounded: it exits by itself after CHAOS_DEADLINE_MS, and when its parent goes.
 */
const send = (message: FromClientWorker) => process.send?.(message);
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
  };
}

function watch(client: WslbClient): void {
  let closedAt: number | undefined;
  client.on('close', ({ code }) => {
    closedAt = Date.now();
    const node = client.node ?? 'unknown';
    phase.closes[node] = phase.closes[node] ?? {};
    const byCode = phase.closes[node];
    byCode[code] = (byCode[code] ?? 0) + 1;
  });
  client.on('open', ({ node }) => {
    if (closedAt === undefined) return;
    phase.reopenDelaysMs.push(Date.now() - closedAt);
    closedAt = undefined;
    const on = node ?? 'unknown';
    phase.reopenedOn[on] = (phase.reopenedOn[on] ?? 0) + 1;
  });
  client.on('reconnecting', ({ cause }) => {
    if (cause.startsWith('connect failed')) phase.failedAttempts += 1;
  });
  client.on('error', () => {
    phase.gaveUp += 1;
  });
}

async function open(job: OpenJob): Promise<void> {
  fleet = new ClientFleet({
    authUrl: job.authUrl,
    credentials: job.credentials,
    concurrency: job.concurrency,
    openTimeoutMs: job.openTimeoutMs,
    onProgress: (opened) => send({ type: 'progress', opened }),
  });
  const { connected, failed } = await fleet.open(job.count);
  // Scenarios mark after the fleet is open; what happened while opening is not timed.
  for (const c of fleet.clients) watch(c);
  send({ type: 'opened', connected, failed });
}

function status(): ClientStatus {
  return {
    connected: fleet?.connectedCount() ?? 0,
    clients: fleet?.clients.length ?? 0,
    byNode: Object.fromEntries(fleet?.byNode() ?? []),
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

function stop(): void {
  fleet?.closeAll();
  setTimeout(() => process.exit(0), 300).unref();
}

process.on('message', (message: ToClientWorker) => {
  const run = async () => {
    if (message.type === 'open') await open(message.job);
    else if (message.type === 'status') send({ type: 'status', status: status() });
    else if (message.type === 'mark') {
      phase = newPhase();
      send({ type: 'status', status: status() });
    } else if (message.type === 'echo') send({ type: 'echo', result: await echo(message.timeoutMs) });
    else if (message.type === 'tokens') send({ type: 'tokens', tokens: [...tokens] });
    else if (message.type === 'stop') stop();
  };
  run().catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), Number(process.env.CHAOS_DEADLINE_MS ?? 600_000)).unref();
