import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../../harness/stats';
import { spawnInNamespace } from '../../runtime/local/netns';
import { failoverEnv, keepalivedPidFiles, REPO_ROOT, startHaproxy, startKeepalived, tsx } from './pair';
import type { Side, Topology } from './topology';

/** The pair's lifecycle hooks and groups, as lib/haproxy/haproxy-pair.ts names them. */
export const PAIR_CLOUD = {
  launchHook: 'wslb-pair-launch',
  terminateHook: 'wslb-pair-terminate',
  groups: { a: 'wslb-haproxy-a', b: 'wslb-haproxy-b' },
} as const;

/** How long an instance may take to boot here (programs started under tsx on two shared, loaded cores). */
export const BOOT_LIMIT_MS = 240_000;

/** One EC2 instance of a side: its own id and ENI, the side's namespace and addresses. */
export interface PairInstance {
  readonly id: string;
  /** The side, with this instance's ENI. */
  readonly side: Side;
  readonly group: string;
  readonly children: ChildProcess[];
}

/** Where one instance reaches the stand-in cloud (the world namespace's pair-cloud-server). */
export interface CloudEndpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The lifecycle program's environment on one instance: the failover program's (it moves the VIP with the
 * same code), Auto Scaling and IMDS at the stand-in, and a release command that stops this instance's
 * keepalived with SIGTERM as `systemctl stop keepalived` does (keepalived then sends priority 0).
 */
function lifecycleEnv(instance: PairInstance, t: Topology, cloud: CloudEndpoint, dir: string) {
  const { side } = instance;
  const peer = t.sides.find((s) => s.name !== side.name)!;
  const release = join(dir, `release-${side.name}`);
  writeFileSync(
    release,
    [
      '#!/bin/sh',
      `pid=$(cat ${keepalivedPidFiles(dir, side).parent} 2>/dev/null) || exit 0`,
      'kill -TERM "$pid" 2>/dev/null || exit 0',
      'for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done',
      '',
    ].join('\n'),
  );
  chmodSync(release, 0o755);
  return {
    ...failoverEnv(side, t, cloud.port, dir),
    PAIR_GROUP: PAIR_CLOUD.groups[side.name],
    PEER_GROUP: PAIR_CLOUD.groups[peer.name],
    LAUNCH_HOOK: PAIR_CLOUD.launchHook,
    TERMINATE_HOOK: PAIR_CLOUD.terminateHook,
    RELEASE_COMMAND: `/bin/sh ${release}`,
    HEALTH_URL: 'http://127.0.0.1:8404/health',
    LIFECYCLE_POLL_SECONDS: '1',
    HEARTBEAT_SECONDS: '10',
    READY_TIMEOUT_SECONDS: String(BOOT_LIMIT_MS / 1000),
    HANDOVER_CONFIRM_SECONDS: '30',
    AWS_ENDPOINT_URL_AUTO_SCALING: `http://${cloud.host}:${cloud.port}`,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://${cloud.host}:${cloud.port}/imds/${instance.id}/`,
  };
}

/** `lifecycle-main <command>` on the instance, logging to `<dir>/lifecycle-<id>-<command>.log`. */
function lifecycle(
  instance: PairInstance,
  command: 'ready' | 'watch',
  t: Topology,
  cloud: CloudEndpoint,
  dir: string,
): ChildProcess {
  const [cmd, argv] = tsx('runtime/haproxy/lifecycle/main.ts', command);
  // Another machine on AWS: here it must not starve the clients and the node it shares two cores with.
  const child = spawnInNamespace(instance.side.ns, 'nice', ['-n', '5', cmd, ...argv], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...lifecycleEnv(instance, t, cloud, dir) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(dir, `lifecycle-${instance.id}-${command}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  instance.children.push(child);
  return child;
}

/**
 * Boots an instance as the launch template's user data does, once Auto Scaling launched it: a fresh disk
 * (no VRRP state), haproxy, keepalived, the lifecycle watch service, then `lifecycle ready`, which completes
 * the launch hook once HAProxy serves and keepalived settled.
 */
export function bootInstance(
  t: Topology,
  side: Side,
  id: string,
  backend: { host: string; port: number },
  cloud: CloudEndpoint,
  dir: string,
): PairInstance {
  const instance: PairInstance = {
    id,
    side: { ...side, eni: `eni-${Buffer.from(id).toString('hex').padStart(17, '0')}` },
    group: PAIR_CLOUD.groups[side.name],
    children: [],
  };
  rmSync(failoverEnv(side, t, cloud.port, dir).VRRP_STATE_FILE, { force: true });
  instance.children.push(startHaproxy(t, instance.side, backend, cloud.port, dir));
  instance.children.push(startKeepalived(instance.side, dir));
  lifecycle(instance, 'watch', t, cloud, dir);
  lifecycle(instance, 'ready', t, cloud, dir);
  return instance;
}

/**
 * The instance is terminated (after its termination hook): systemd stops every service with SIGTERM, then
 * the machine is gone. Resolves once every process of it has exited.
 */
export async function terminateInstance(instance: PairInstance): Promise<void> {
  const alive = instance.children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill('SIGTERM');
  await Promise.race([Promise.all(alive.map((c) => once(c, 'exit'))), sleep(10_000)]);
  for (const c of alive) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
