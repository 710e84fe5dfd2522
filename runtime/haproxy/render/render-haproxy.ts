import { effectiveMaxconnPerServer, type HaproxyInput, parseHaproxyInput } from './haproxy-input';
import { planServers } from './source-ips';

export const BACKEND_NAME = 'ws_nodes';
export const FRONTEND_NAME = 'ws_in';

/** One `server` line of the backend, as written in the file and as the runtime API takes it. */
export interface RenderedServer {
  name: string;
  /** Everything after the name on the config line. */
  args: string;
  /**
   * The same server for `add server`: a dynamic server cannot be tracked and does not read
   * `default-server`, so every line checks itself with the timings spelled out.
   */
  runtimeArgs: string;
}

export interface RenderedHaproxy {
  text: string;
  warnings: string[];
  servers: RenderedServer[];
}

/** HAProxy time format: the largest unit that divides the value exactly. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * Typed input → `haproxy.cfg`.
 * @throws {InvalidInputError} (subject `haproxy input`) naming every bad field.
 */
export function renderHaproxyConfig(input: HaproxyInput): RenderedHaproxy {
  const c = parseHaproxyInput(input);
  const t = c.timeouts;
  const hc = c.healthCheck;
  const plan = planServers({
    backends: c.backends,
    sourceIps: c.sourceIps,
    targetConnections: c.targetConnections,
    maxConnectionsPerNode: c.maxConnectionsPerNode,
    portRange: c.portRange,
  });
  const warnings = [...plan.warnings];
  if (c.backends.length === 0) warnings.push('no backends: HAProxy answers 503 until one is discovered');

  const maxconnPerServer = effectiveMaxconnPerServer(c);
  const firstLine = new Map<string, string>();
  const servers: RenderedServer[] = plan.servers.map((s) => {
    const base = `${s.host}:${s.port}${s.source ? ` source ${s.source}` : ''} maxconn ${maxconnPerServer}`;
    const first = firstLine.get(s.nodeId);
    // One health check per node: the node's other lines follow its first line's state.
    const health = first ? `track ${BACKEND_NAME}/${first}` : 'check';
    if (!first) firstLine.set(s.nodeId, s.name);
    const timings = `inter ${formatDuration(hc.interMs)} fall ${hc.fall} rise ${hc.rise}`;
    return { name: s.name, args: `${base} ${health}`, runtimeArgs: `${base} check ${timings}` };
  });
  const serverLines = servers.map((s) => `  server ${s.name} ${s.args}`);
  const tls = c.tlsCertFile ? ` ssl crt ${c.tlsCertFile}` : '';
  const http = c.mode === 'http';

  const lines = [
    '# Rendered by wslb runtime/haproxy; do not edit by hand.',
    'global',
    '  master-worker',
    `  maxconn ${c.maxconn}`,
    `  hard-stop-after ${formatDuration(t.hardStopAfterMs)}`,
    // expose-fd listeners: the new worker takes the listening sockets over on reload, no refused connects.
    `  stats socket ${c.statsSocket} mode 600 level admin expose-fd listeners`,
    '  stats timeout 30s',
    ...(c.user ? [`  user ${c.user}`, `  group ${c.user}`] : []),
    '  log stdout format raw local0 notice',
    '',
    'defaults',
    `  mode ${c.mode}`,
    '  log global',
    '  option dontlognull',
    // Keep-alive (the default) is WebSocket-safe: after a 101 the stream becomes a tunnel.
    '  option redispatch',
    '  retries 2',
    `  timeout connect ${formatDuration(t.connectMs)}`,
    `  timeout client ${formatDuration(t.clientMs)}`,
    `  timeout server ${formatDuration(t.serverMs)}`,
    ...(http ? [`  timeout http-request ${formatDuration(t.httpRequestMs)}`] : []),
    `  timeout queue ${formatDuration(t.connectMs)}`,
    `  timeout tunnel ${formatDuration(t.tunnelMs)}`,
    `  timeout client-fin ${formatDuration(t.clientFinMs)}`,
    `  default-server inter ${formatDuration(hc.interMs)} fall ${hc.fall} rise ${hc.rise}`,
    '',
    `frontend ${FRONTEND_NAME}`,
    `  bind ${c.listen.address}:${c.listen.port}${tls}`,
    ...(http ? ['  option forwardfor'] : []),
    `  default_backend ${BACKEND_NAME}`,
    '',
    `backend ${BACKEND_NAME}`,
    // An NLB picks a target per flow by hash, blind to load; random is the closest HAProxy rule.
    http ? '  balance leastconn' : '  balance random',
    `  option httpchk GET ${hc.path}`,
    '  http-check expect status 200',
    ...serverLines,
    '',
    'frontend stats',
    '  mode http',
    `  bind ${c.stats.address}:${c.stats.port}`,
    '  no log',
    ...(c.prometheusExporter ? ['  http-request use-service prometheus-exporter if { path /metrics }'] : []),
    '  monitor-uri /health',
    '  stats enable',
    '  stats uri /stats',
    '  stats refresh 10s',
    '',
  ];
  return { text: lines.join('\n'), warnings, servers };
}
