import '../../runtime/local/quiet-sdk-warning';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAuthServer } from '../../harness/auth-server';
import { NodeRig } from '../../harness/node-rig';
import { ClientFleet } from '../../runtime/local/client-fleet';
import { bundleNodeService } from '../../runtime/local/node-bundle';

/**
 * Run inside the "world" namespace of the failover scenario: the product behind and in front of the pair.
 * A wslb node on 0.0.0.0:<port> (pinging every second, or every argument 6 seconds), the embedded registry, the auth service handing out
 * the VIP (strategy haproxy), and `count` product clients that log in through auth, connect through the VIP
 * and drop a socket the server has been silent on for `deadAfterMs` (argument 4, default 2,500 ms). Prints one
 * JSON line when ready, opens the clients when a line arrives on stdin, then prints {at, open, closes, reopens,
 * mostReopensOfOne, sessions, …} every 250 ms. Stops everything on SIGTERM, and by itself after argument 5 ms
 * (default 5 minutes).
 */
const [vip, portArg, countArg, deadAfterArg, lifetimeArg, pingArg] = process.argv.slice(2);
const DEAD_AFTER_MS = Number(deadAfterArg ?? 2_500);
const LIFETIME_MS = Number(lifetimeArg ?? 300_000);

async function main(): Promise<void> {
  const buildDir = mkdtempSync(join(tmpdir(), 'wslb-world-'));
  const rig = await NodeRig.start(bundleNodeService(buildDir));
  const auth = await startAuthServer(rig, 'haproxy', `ws://${vip}:8000`);
  let fleet: ClientFleet | undefined;
  const stop = async () => {
    fleet?.closeAll();
    await auth.close();
    await rig.stop();
    rmSync(buildDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  setTimeout(() => void stop(), LIFETIME_MS).unref();

  await rig.startNode('node-1', 20_000 - 2_000, {
    HOST: '0.0.0.0',
    PORT: portArg,
    PING_SECONDS: pingArg ?? '1',
  });
  const clients = new ClientFleet({
    authUrl: auth.url,
    credentials: rig.benchCredentials,
    concurrency: 50,
    deadAfterMs: DEAD_AFTER_MS,
  });
  fleet = clients;
  process.stdout.write(
    `${JSON.stringify({ ready: true, runDir: rig.runDir, password: rig.benchCredentials.password, deadAfterMs: DEAD_AFTER_MS })}\n`,
  );
  await new Promise((resolve) => process.stdin.once('data', resolve));
  void clients.open(Number(countArg));
  setInterval(() => {
    const closes = Object.values(clients.stats.closesByCode).reduce((a, b) => a + b, 0);
    const line = {
      at: Date.now(),
      open: clients.connectedCount(),
      closes,
      reopens: clients.stats.reopens,
      mostReopensOfOne: clients.stats.mostReopensOfOne,
      closesByCode: clients.stats.closesByCode,
      failedAttempts: clients.stats.failedAttempts,
      authErrors: clients.stats.authErrors,
      sessions: clients.stats.opens,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }, 250);
}

main().catch((err: Error) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', msg: 'world failed', err: err.stack ?? err.message })}\n`,
  );
  process.exit(1);
});
