import type { Backend } from '../render/backend';
import type { HaproxyInput } from '../render/haproxy-input';
import type { HaproxyFeatures } from './haproxy-features';
import type { AgentSettings } from './settings';

/**
 * haproxy.cfg input from the agent's settings, the discovered backends, this host's source addresses and what
 * its HAProxy build offers.
 * TARGET_CONNECTIONS and MAX_CONNECTIONS_PER_NODE reach the source-IP check as the stack sized them.
 */
export function haproxyInputFromSettings(
  s: AgentSettings,
  backends: Backend[],
  sourceIps: string[],
  features: Pick<HaproxyFeatures, 'prometheusExporter'>,
): HaproxyInput {
  return {
    listen: { address: s.LISTEN_ADDRESS, port: s.LISTEN_PORT },
    stats: { address: s.STATS_ADDRESS, port: s.STATS_PORT },
    statsSocket: s.HAPROXY_STATS_SOCKET,
    prometheusExporter: features.prometheusExporter,
    user: s.HAPROXY_USER === 'root' ? undefined : s.HAPROXY_USER,
    tlsCertFile: s.TLS_CERT_FILE,
    backends,
    sourceIps,
    maxconn: s.MAXCONN,
    maxconnPerServer: s.MAXCONN_PER_SERVER,
    targetConnections: s.TARGET_CONNECTIONS,
    maxConnectionsPerNode: s.MAX_CONNECTIONS_PER_NODE,
    timeouts: {
      tunnelMs: s.TUNNEL_TIMEOUT_SECONDS * 1000,
      hardStopAfterMs: s.HARD_STOP_AFTER_SECONDS * 1000,
    },
    healthCheck: { path: s.HEALTH_PATH },
  };
}
