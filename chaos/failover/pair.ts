import { type ChildProcess, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { sleep, until } from '../../harness/stats';
import { findExecutable } from '../../runtime/haproxy/agent/haproxy-binary';
import { renderHaproxyConfig } from '../../runtime/haproxy/render/render-haproxy';
import { renderKeepalivedConfig } from '../../runtime/haproxy/render/render-keepalived';
import { spawnInNamespace } from '../../runtime/local/netns';
import type { Ec2Call } from '../ec2/ec2-state';
import { keyForms, readLogs, type SecretLedger } from '../harness/secret-ledger';
import type { Side, Topology } from './topology';

export const REPO_ROOT = join(__dirname, '../..');
export const ALLOCATION_ID = 'eipalloc-0c4a05e1';

/**
 * HAProxy and keepalived (with the health checks and notify programs they start) get this nice value: each
 * side stands for a dedicated instance, and on a shared two-core machine other work otherwise starves the
 * 0.5 s adverts and the 2 s health check into failovers of its own (decision 0092).
 */
const PAIR_NICE = -10;

/** `node --import tsx <file> …` from the repository root. */
export const tsx = (file: string, ...args: string[]) =>
  [process.execPath, ['--import', 'tsx', join(REPO_ROOT, file), ...args]] as const;

/** Why the pair cannot run here, or undefined. */
export function pairPrerequisiteMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  const tool = ['haproxy', 'keepalived', 'ip', 'curl'].find((t) => !findExecutable(t));
  return tool ? `${tool} not installed (apt-get install -y ${tool === 'ip' ? 'iproute2' : tool})` : undefined;
}

/**
 * How long a program in the world namespace may take to print its first line. Waited for, not timed: the wait
 * ends at the line or at the program's exit; this bound only ends a hang. On a loaded machine the world's wslb
 * cluster (auth, registry, nodes, clients, each a tsx process) took over 30 s to start (chaos 4 and 18 failed
 * at the old 30 s with 'the world namespace did not start wslb: undefined'), as the reconcile loops did (180 s).
 */
export const WORLD_START_LIMIT_MS = 180_000;

/**
 * Until `lines` (from {@link jsonLines} on `child`) holds the child's first line, which it returns. Throws naming
 * `what`, with the tail of the child's log (`<dir>/<name>.log` from {@link spawnWorld}), when the child exits
 * first or prints nothing within `limitMs`.
 */
export async function firstLine<T>(
  child: ChildProcess,
  lines: readonly unknown[],
  what: string,
  logFile: string,
  limitMs = WORLD_START_LIMIT_MS,
): Promise<T> {
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  await until(() => lines.length > 0 || exited(), limitMs, 50);
  if (lines.length > 0) return lines[0] as T;
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '(no log)';
  const why = exited()
    ? `exited (${child.exitCode ?? child.signalCode})`
    : `printed nothing in ${limitMs / 1000} s`;
  throw new Error(`${what} did not start: it ${why}\n${log}`);
}

/** `<dir>/<name>.log`: where {@link spawnWorld} writes the stderr of `file`. */
export const worldLog = (dir: string, file: string) => join(dir, `${basename(file, '.ts')}.log`);

/** A child whose stdout is JSON lines; the returned array fills with them as they come. */
export function jsonLines(child: ChildProcess): unknown[] {
  const lines: unknown[] = [];
  if (child.stdout)
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l));
      } catch {
        lines.push(l);
      }
    });
  return lines;
}

/**
 * A program in the world namespace (clients, nodes, the EC2 stand-in): stdout piped for JSON lines, stderr
 * to `<dir>/<name>.log` (read by the secrets scenario). The child is added to `children`.
 */
export function spawnWorld(
  t: Topology,
  dir: string,
  children: ChildProcess[],
  file: string,
  ...args: string[]
) {
  const [cmd, argv] = tsx(file, ...args);
  const c = spawnInNamespace(t.world, cmd, [...argv], { stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT });
  c.stderr?.pipe(createWriteStream(worldLog(dir, file)));
  children.push(c);
  return c;
}

/** The EC2 stand-in (chaos/ec2) in the world namespace, with the VIP and the EIP on side a's ENI. */
export async function startEc2StandIn(t: Topology, dir: string, children: ChildProcess[]) {
  const file = 'chaos/ec2/recording-server.ts';
  const child = spawnWorld(t, dir, children, file, t.worldAddr, t.vip, t.sides[0].eni);
  const lines = jsonLines(child);
  const { port } = await firstLine<{ port: number }>(child, lines, 'the EC2 stand-in', worldLog(dir, file));
  return { port, calls: () => lines.slice(1) as Ec2Call[] };
}

/** The failover program's environment on one side: the real failover-main, EC2 calls to the recorder. */
export function failoverEnv(side: Side, t: Topology, ec2Port: number, dir: string, stateFile?: string) {
  const peer = t.sides.find((p) => p.name !== side.name)!;
  return {
    VIP_PRIVATE_IP: t.vip,
    VIP_ALLOCATION_ID: ALLOCATION_ID,
    NETWORK_INTERFACE_ID: side.eni,
    VRRP_STATE_FILE: stateFile ?? join(dir, `vrrp-${side.name}.json`),
    KEEPALIVED_VRRP_PID_FILE: keepalivedPidFiles(dir, side).vrrp,
    KEEPALIVED_PRIORITY: String(side.priority),
    PEER_KEEPALIVED_PRIORITY: String(peer.priority),
    OWN_IP: side.addr,
    PEER_IP: peer.addr,
    RECONCILE_SECONDS: '1',
    FAILOVER_CONFIRM_SECONDS: '10',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_EC2: `http://${t.worldAddr}:${ec2Port}`,
    AWS_ACCESS_KEY_ID: 'AKIDCHAOS',
    AWS_SECRET_ACCESS_KEY: 'chaos-not-a-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** keepalived's pid files on one side: the parent (`-p`) and the VRRP child (`-r`). */
export function keepalivedPidFiles(dir: string, side: Side) {
  return { parent: join(dir, `k-${side.name}.pid`), vrrp: join(dir, `kv-${side.name}.pid`) };
}

/**
 * `failover-main --reconcile` in a side's namespace (niced as the pair is); its log lines go to
 * `<dir>/reconcile-<side>.log`. `reconcileStarted` tells when it is running.
 */
export function startReconcile(
  side: Side,
  t: Topology,
  ec2Port: number,
  dir: string,
  env: Record<string, string> = {},
): ChildProcess {
  const [cmd, argv] = tsx('runtime/haproxy/failover/main.ts', '--reconcile');
  const child = spawnInNamespace(side.ns, 'nice', ['-n', String(PAIR_NICE), cmd, ...argv], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...failoverEnv(side, t, ec2Port, dir), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(dir, `reconcile-${side.name}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

/** Whether the reconcile loop of `side` logged its start. */
export function reconcileStarted(side: Side, dir: string): boolean {
  const file = join(dir, `reconcile-${side.name}.log`);
  return existsSync(file) && readFileSync(file, 'utf8').includes('"event":"reconcile_start"');
}

/** keepalived runs notify programs with a bare environment, so the script carries it. */
function notifyScript(side: Side, t: Topology, ec2Port: number, dir: string): string {
  const env = Object.entries(failoverEnv(side, t, ec2Port, dir)).map(([k, v]) => `export ${k}='${v}'`);
  const file = join(dir, `notify-${side.name}`);
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      ...env,
      `echo "$(date +%s%3N) ${side.name} $1" >> ${join(dir, 'notify.log')}`,
      `cd ${REPO_ROOT}`,
      `exec ${process.execPath} --import tsx runtime/haproxy/failover/main.ts "$@" >> ${join(dir, `failover-${side.name}.log`)} 2>&1`,
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}

/** Renders both sides with the production renderers and starts haproxy, then keepalived, in each. */
export function startPair(
  t: Topology,
  backend: { host: string; port: number },
  ec2Port: number,
  dir: string,
) {
  const children = t.sides.map((side) => startHaproxy(t, side, backend, ec2Port, dir));
  execFileSync('sleep', ['0.5']);
  for (const side of t.sides) children.push(startKeepalived(side, dir));
  return children;
}

/**
 * Renders one side's haproxy.cfg and keepalived.conf with the production renderers (the notify program's
 * environment from {@link failoverEnv} of `side`, so a replacement instance passes its own ENI) and starts
 * its haproxy; {@link startKeepalived} starts keepalived after.
 */
export function startHaproxy(
  t: Topology,
  side: Side,
  backend: { host: string; port: number },
  ec2Port: number,
  dir: string,
): ChildProcess {
  const peer = t.sides.find((p) => p.name !== side.name)!;
  const cfg = join(dir, `haproxy-${side.name}.cfg`);
  writeFileSync(
    cfg,
    renderHaproxyConfig({
      listen: { address: '0.0.0.0', port: 8000 },
      backends: [{ id: 'node-1', host: backend.host, port: backend.port }],
      stats: { port: 8404 },
      statsSocket: join(dir, `admin-${side.name}.sock`),
      maxconn: 2000,
    }).text,
  );
  writeFileSync(
    join(dir, `keepalived-${side.name}.conf`),
    renderKeepalivedConfig({
      interface: 'eth0',
      priority: side.priority,
      unicastSrcIp: side.addr,
      unicastPeers: [peer.addr],
      vip: t.vip,
      failoverCommand: notifyScript(side, t, ec2Port, dir),
      checkIntervalSeconds: 1,
    }),
  );
  const log = join(dir, `haproxy-${side.name}.log`);
  return spawnInNamespace(
    side.ns,
    'sh',
    [
      '-c',
      `exec nice -n ${PAIR_NICE} haproxy -W -f ${cfg} -S ${join(dir, `m-${side.name}.sock`)} >> ${log} 2>&1`,
    ],
    { stdio: 'ignore' },
  );
}

/** keepalived on one side, with the config startPair rendered (again after killKeepalived). */
export function startKeepalived(side: Side, dir: string): ChildProcess {
  const log = join(dir, `keepalived-${side.name}.log`);
  const pids = keepalivedPidFiles(dir, side);
  return spawnInNamespace(
    side.ns,
    'sh',
    [
      '-c',
      `exec nice -n ${PAIR_NICE} keepalived -n -l -D -f ${join(dir, `keepalived-${side.name}.conf`)} -p ${pids.parent} -r ${pids.vrrp} >> ${log} 2>&1`,
    ],
    { stdio: 'ignore' },
  );
}

/**
 * keepalived dies without a word: every process of it is stopped first (so none runs a notify, sends a
 * priority-0 advert or respawns a child), then killed. Returns the pids it killed.
 */
export function killKeepalived(side: Side, dir: string): number[] {
  const pidOf = (file: string) => Number.parseInt(existsSync(file) ? readFileSync(file, 'utf8') : '', 10);
  const pids = Object.values(keepalivedPidFiles(dir, side))
    .map(pidOf)
    .filter((p) => Number.isInteger(p) && p > 0);
  for (const signal of ['SIGSTOP', 'SIGKILL'] as const) {
    for (const pid of pids) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
  return pids;
}

/**
 * Hands a pair scenario's logs (its folder and the world's run folder, under `<id>/`) and the secrets they must
 * not hold to the ledger, then stops the world process.
 */
export async function scanAndStopWorld(
  ledger: SecretLedger,
  id: string,
  dir: string,
  world: { runDir: string; password: string },
  worldProcess: ChildProcess,
): Promise<void> {
  const tokenKey = (
    JSON.parse(readFileSync(join(world.runDir, 'token-secret.json'), 'utf8')) as { secret: string }
  ).secret;
  ledger.scan(
    { ...readLogs(dir, `${id}/`), ...readLogs(world.runDir, `${id}/world/`) },
    {
      'EC2 secret key (fake)': 'chaos-not-a-secret',
      'bench password': world.password,
      ...keyForms('token signing key', tokenKey),
    },
  );
  worldProcess.kill('SIGTERM');
  await Promise.race([once(worldProcess, 'exit'), sleep(10_000)]);
}
