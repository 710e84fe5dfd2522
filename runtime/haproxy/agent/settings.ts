import { z } from 'zod';
import { decimalInt } from '../../contract/decimal';
import { WS_PORT } from '../../contract/defaults';
import {
  HAPROXY_CONFIG_PATH,
  HAPROXY_PID_FILE,
  HAPROXY_STATS_SOCKET,
  KEEPALIVED_CONFIG_PATH,
} from '../../contract/paths';
import { boolVar, intVar, logLevelVar, parseEnv } from '../../shared/env';

const ipList = z
  .string()
  .transform((s) => s.split(',').map((ip) => ip.trim()))
  .pipe(z.array(z.ipv4()).min(1));

/**
 * The discovery agent's settings, one environment variable each (the CDK haproxy stack writes them into the
 * instance's env file; the local cluster calls startLocalHaproxy instead).
 */
export const agentSettingsSchema = z
  .object({
    /** The live haproxy.cfg; candidates are written beside it and renamed over it. */
    HAPROXY_CONFIG_PATH: z.string().min(1).default(HAPROXY_CONFIG_PATH),
    /** Pid file of the master (`haproxy -Ws -p`); SIGUSR2 to that pid reloads. */
    HAPROXY_PID_FILE: z.string().min(1).default(HAPROXY_PID_FILE),
    /** Master CLI socket (`haproxy -S`); when set, each reload is confirmed through `show proc`. */
    HAPROXY_MASTER_SOCKET: z.string().min(1).optional(),
    /** Runtime API socket written into the config (`stats socket … expose-fd listeners`). */
    HAPROXY_STATS_SOCKET: z.string().min(1).default(HAPROXY_STATS_SOCKET),
    /** Fleet tag the WS nodes carry; discovery lists running instances with FLEET_TAG_KEY=FLEET_TAG_VALUE. */
    FLEET_TAG_KEY: z.string().min(1).optional(),
    FLEET_TAG_VALUE: z.string().min(1).optional(),
    /** Instead of EC2: a JSON file `[{ id, host, port }]` (local runs). */
    BACKENDS_FILE: z.string().min(1).optional(),
    /** The WS nodes' port. */
    WS_PORT: intVar(1, 65535, WS_PORT),
    /** Client-facing listener. */
    LISTEN_ADDRESS: z.ipv4().default('0.0.0.0'),
    LISTEN_PORT: intVar(1, 65535, 80),
    /** Stats page (/stats), Prometheus (/metrics) and the keepalived check (/health). */
    STATS_ADDRESS: z.ipv4().default('127.0.0.1'),
    STATS_PORT: intVar(1, 65535, 8404),
    /** Source addresses for the server lines, comma-separated; overrides SOURCE_IPS_FROM. */
    SOURCE_IPS: ipList.optional(),
    /** `imds`: the primary ENI's private IPs minus the VIP; `none`: no `source` (kernel's choice). */
    SOURCE_IPS_FROM: z.enum(['imds', 'none']).default('none'),
    /** The keepalived VIP when it is a secondary private IP (one subnet); never a source address: it moves. */
    VIP_PRIVATE_IP: z.ipv4().optional(),
    /** The keepalived VIP when it is an overlay IP (outside the VPC CIDR, routed to the active; two AZs). */
    OVERLAY_IP: z.ipv4().optional(),
    /** Apply an empty discovery answer; by default it is ignored while nodes are configured (tag typo, IAM slip). */
    ALLOW_EMPTY_BACKENDS: boolVar(false),
    /** Discovery interval. */
    POLL_SECONDS: intVar(1, 3600, 10),
    /** Process-wide connection cap; the unit's LimitNOFILE must exceed about 2 × MAXCONN. */
    MAXCONN: intVar(1, 10_000_000, 100_000),
    /** Per server line cap. @default - the ephemeral range size */
    MAXCONN_PER_SERVER: decimalInt(1, 1_000_000).optional(),
    /** Target connections; logs a warning when the source IPs cannot hold them. */
    TARGET_CONNECTIONS: decimalInt(0, Number.MAX_SAFE_INTEGER).optional(),
    /** A node's cap (the nodes' `MAX_CONNECTIONS`): no more go to one node, so no more need ports towards it. */
    MAX_CONNECTIONS_PER_NODE: decimalInt(1, 1_000_000).optional(),
    /** PEM with certificate and key: the listener speaks TLS (wss). */
    TLS_CERT_FILE: z.string().min(1).optional(),
    /**
     * Secrets Manager secret holding the bundle (PEM: certificate, intermediates, key): written to TLS_CERT_FILE
     * at start and re-read every TLS_REFRESH_SECONDS; a change is swapped into the running worker.
     */
    TLS_CERT_SECRET_ARN: z.string().startsWith('arn:').optional(),
    /** Interval of the certificate re-reads. */
    TLS_REFRESH_SECONDS: intVar(10, 86_400, 300),
    /** Idle limit of an established WebSocket. */
    TUNNEL_TIMEOUT_SECONDS: intVar(1, 86_400, 3600),
    /** How long an old worker keeps its WebSockets after a reload. */
    HARD_STOP_AFTER_SECONDS: intVar(1, 86_400, 3600),
    HEALTH_PATH: z
      .string()
      .regex(/^\/\S*$/)
      .default('/healthz'),
    /** haproxy drops root to this user after binding (`user`/`group`); `root` keeps root. */
    HAPROXY_USER: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
      .default('haproxy'),
    /** Where the agent writes keepalived.conf at start when OWN_IP is set. */
    KEEPALIVED_CONFIG_PATH: z.string().min(1).default(KEEPALIVED_CONFIG_PATH),
    /** keepalived.conf inputs: this instance's primary IP (unicast_src_ip); unset = no keepalived.conf. */
    OWN_IP: z.ipv4().optional(),
    /** The peer's primary IP (unicast_peer). */
    PEER_IP: z.ipv4().optional(),
    /** Interface VRRP runs on and the VIP is added to (`ens5`). */
    VRRP_INTERFACE: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,15}$/)
      .optional(),
    /** 1-254; both sides start BACKUP with nopreempt, the higher wins a simultaneous start. */
    KEEPALIVED_PRIORITY: decimalInt(1, 254).optional(),
    /** VRRP router id, the same on both sides and unique in the subnet. */
    VRRP_ROUTER_ID: intVar(1, 255, 51),
    /** notify_master/backup/fault/stop program (absolute path). */
    FAILOVER_COMMAND: z
      .string()
      .regex(/^\/\S+$/)
      .optional(),
    /** Region for the EC2 client (the SDK also reads it itself). */
    AWS_REGION: z.string().min(1).optional(),
    LOG_LEVEL: logLevelVar(),
  })
  .superRefine((s, ctx) => {
    const ec2 = Boolean(s.FLEET_TAG_KEY) || Boolean(s.FLEET_TAG_VALUE);
    if (!s.BACKENDS_FILE && !(s.FLEET_TAG_KEY && s.FLEET_TAG_VALUE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['FLEET_TAG_KEY'],
        message: 'set FLEET_TAG_KEY and FLEET_TAG_VALUE',
      });
    }
    if (s.OWN_IP) {
      for (const key of ['PEER_IP', 'VRRP_INTERFACE', 'KEEPALIVED_PRIORITY', 'FAILOVER_COMMAND'] as const) {
        if (s[key] === undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'required with OWN_IP' });
      }
      if (!s.VIP_PRIVATE_IP && !s.OVERLAY_IP)
        ctx.addIssue({
          code: 'custom',
          path: ['VIP_PRIVATE_IP'],
          message: 'VIP_PRIVATE_IP or OVERLAY_IP required with OWN_IP',
        });
    }
    if (s.TLS_CERT_SECRET_ARN && !s.TLS_CERT_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CERT_FILE'],
        message: 'required with TLS_CERT_SECRET_ARN (where the certificate is written)',
      });
    }
    if (s.BACKENDS_FILE && ec2) {
      ctx.addIssue({
        code: 'custom',
        path: ['BACKENDS_FILE'],
        message: 'BACKENDS_FILE excludes FLEET_TAG_*',
      });
    }
  });

export type AgentSettings = z.infer<typeof agentSettingsSchema>;

export function agentSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): AgentSettings {
  return parseEnv(agentSettingsSchema, env);
}
