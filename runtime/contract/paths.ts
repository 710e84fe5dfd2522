/**
 * Paths on the EC2 hosts that the CDK user data writes and the runtime programs read: one name each, so the
 * two sides cannot drift. Locally every program takes these from its settings instead.
 */

/** The node's environment file (systemd `EnvironmentFile`). */
export const NODE_ENV_FILE = '/etc/wslb/node.env';
/** The environment file of the programs on an HAProxy instance (agent, failover, lifecycle). */
export const HAPROXY_ENV_FILE = '/etc/wslb/haproxy.env';
/** HAProxy's live config, which the agent renders. */
export const HAPROXY_CONFIG_PATH = '/etc/haproxy/haproxy.cfg';
/** The HAProxy master's pid file: SIGUSR2 to it reloads. */
export const HAPROXY_PID_FILE = '/run/haproxy.pid';
/** The HAProxy master CLI socket (`-S`): reloads are confirmed through it. */
export const HAPROXY_MASTER_SOCKET = '/run/haproxy-master.sock';
/** The worker's runtime API socket: the agent adds and removes `server` lines through it. */
export const HAPROXY_STATS_SOCKET = '/run/haproxy/admin.sock';
/** keepalived's config, which the agent writes at start. */
export const KEEPALIVED_CONFIG_PATH = '/etc/keepalived/keepalived.conf';
/** Where keepalived's notify calls record the VRRP state (failover `--reconcile`, the lifecycle program). */
export const VRRP_STATE_FILE = '/run/wslb/vrrp-state.json';
/** The pair's TLS bundle (certificate chain and key, 0600), as the config's `crt` names it; the agent writes it. */
export const HAPROXY_TLS_CERT_FILE = '/etc/haproxy/certs/wslb.pem';
