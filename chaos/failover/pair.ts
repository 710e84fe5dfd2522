import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHaproxyConfig } from '../../runtime/haproxy/render/render-haproxy';
import { renderKeepalivedConfig } from '../../runtime/haproxy/render/render-keepalived';
import { spawnInNamespace } from '../../runtime/local/netns';
import type { Side, Topology } from './topology';

const ROOT = join(__dirname, '../..');
export const ALLOCATION_ID = 'eipalloc-0c4a05e1';

/** The failover program's environment on one side: the real failover-main, EC2 calls to the recorder. */
export function failoverEnv(side: Side, t: Topology, ec2Port: number, dir: string, stateFile?: string) {
  return {
    VIP_PRIVATE_IP: t.vip,
    VIP_ALLOCATION_ID: ALLOCATION_ID,
    NETWORK_INTERFACE_ID: side.eni,
    VRRP_STATE_FILE: stateFile ?? join(dir, `vrrp-${side.name}.json`),
    RECONCILE_SECONDS: '1',
    FAILOVER_CONFIRM_SECONDS: '10',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_EC2: `http://${t.worldAddr}:${ec2Port}`,
    AWS_ACCESS_KEY_ID: 'AKIDCHAOS',
    AWS_SECRET_ACCESS_KEY: 'chaos-not-a-secret',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
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
      `cd ${ROOT}`,
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
  const children: ChildProcess[] = [];
  for (const side of t.sides) {
    const peer = t.sides.find((p) => p !== side)!;
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
    const h = spawnInNamespace(
      side.ns,
      'sh',
      ['-c', `exec haproxy -W -f ${cfg} -S ${join(dir, `m-${side.name}.sock`)} >> ${log} 2>&1`],
      { stdio: 'ignore' },
    );
    children.push(h);
  }
  execFileSync('sleep', ['0.5']);
  for (const side of t.sides) {
    const log = join(dir, `keepalived-${side.name}.log`);
    const k = spawnInNamespace(
      side.ns,
      'sh',
      [
        '-c',
        `exec keepalived -n -l -D -f ${join(dir, `keepalived-${side.name}.conf`)} -p ${join(dir, `k-${side.name}.pid`)} -r ${join(dir, `kv-${side.name}.pid`)} >> ${log} 2>&1`,
      ],
      { stdio: 'ignore' },
    );
    children.push(k);
  }
  return children;
}

export function vrrpState(dir: string, side: Side): string | undefined {
  const file = join(dir, `vrrp-${side.name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { state: string }).state : undefined;
}
