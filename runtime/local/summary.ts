import { counted } from '../shared/plural';
import type { NodeCount } from './local-cluster';
import type { SwitchOutcome } from './switch-run';

export interface Summary {
  strategy: string;
  /** `failures` (only when some failed): how many clients for each reason they did not open. */
  clients: { requested: number; connected: number; failed: number; failures?: Record<string, number> };
  nodes: { id: string; endpoint: string; connections: number; peers?: Record<string, number> }[];
  auth: { instances: number; sessions: number; registryItemsRead: number };
  /** Strategy `haproxy`: where it listens and its open connections per `server` line (`<node>-s<k>`). */
  haproxy?: { url: string; statsUrl: string; sourceIps: string[]; servers: Record<string, number> };
  /** Strategy `nlb`: which stand-in ran, where, and the network namespace to reach it from. */
  nlb?: { standIn: 'kernel' | 'haproxy-tcp'; url: string; namespace?: string };
  /** `--switch-to`: what the live switch did (`strategy` is then the path switched to). */
  switch?: SwitchOutcome;
}

export function formatTable(summary: Summary): string {
  const total = summary.nodes.reduce((sum, n) => sum + n.connections, 0);
  const rows = summary.nodes.map((n) => [
    n.id,
    n.endpoint,
    String(n.connections),
    total === 0 ? '-' : `${((100 * n.connections) / total).toFixed(1)}%`,
  ]);
  const header = ['node', 'endpoint', 'connections', 'share'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const { requested, connected, failed } = summary.clients;
  const { instances, sessions, registryItemsRead } = summary.auth;
  const servers = summary.haproxy
    ? [
        `haproxy ${summary.haproxy.url}: ${Object.entries(summary.haproxy.servers)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      ]
    : [];
  const sw = summary.switch;
  return [
    `strategy ${summary.strategy}: ${connected}/${counted(requested, 'client')} connected, ${failed} failed`,
    ...(sw
      ? [
          ...(sw.failed ? [`switch ${sw.from} -> ${sw.to} FAILED: ${sw.failed.error}`] : []),
          `switch ${sw.from} -> ${sw.to}: ${sw.onNewPath}/${counted(sw.clients, 'client')} on the new path, ${sw.lost} lost, ${counted(sw.abnormalCloses, 'abnormal close')}, ${sw.seconds} s`,
        ]
      : []),
    ...servers,
    `auth: ${counted(instances, 'instance')}, ${counted(sessions, 'session')}, ${counted(registryItemsRead, 'registry item')} read`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

export function toSummary(
  strategy: string,
  requested: number,
  connected: number,
  counts: NodeCount[],
  auth: Summary['auth'],
  failures: Record<string, number> = {},
): Summary {
  const failed = requested - connected;
  return {
    strategy,
    clients: { requested, connected, failed, ...(failed > 0 ? { failures } : {}) },
    nodes: counts.map(({ id, endpoint, connections }) => ({ id, endpoint, connections })),
    auth,
  };
}
