import { z } from 'zod';
import {
  DRAIN_SECONDS,
  HEARTBEAT_MS,
  MAX_CONNECTIONS_PER_NODE,
  PING_SECONDS,
  WS_PORT,
} from '../contract/defaults';
import { upstreamUrlProblem } from '../contract/upstream';
import { boolVar, intVar, listenHostVar, logLevelVar, parseEnv, requireOneOf, wsUrlVar } from '../shared/env';

/** Largest accepted message unless MAX_PAYLOAD_BYTES says otherwise. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Send buffer past which a client is closed, unless MAX_BUFFERED_BYTES says otherwise. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The node service's settings, one environment variable each. The CDK fleet writes the same names
 * into the systemd unit; the local cluster passes them to child processes.
 */
export const nodeSettingsSchema = z
  .object({
    /** Node id; also the token audience under `direct`. In AWS the instance id (from IMDS). */
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)')
      .optional(),
    /** Address to listen on; `::` takes both IPv6 and IPv4 (dual stack). */
    HOST: listenHostVar('0.0.0.0'),
    /** Port to listen on; 0 picks a free one (tests, local cluster). */
    PORT: intVar(0, 65535, WS_PORT),
    /** The URL clients use to reach this node; in AWS built from IMDS when absent. */
    NODE_ENDPOINT: wsUrlVar().optional(),
    /** Where to learn the endpoint when NODE_ENDPOINT is absent: `imds-public` (direct), `imds-private`, `listen`. */
    ENDPOINT_SOURCE: z.enum(['imds-public', 'imds-private', 'listen']).default('listen'),
    /** Hard cap on open WebSockets; upgrades past it get 503. */
    MAX_CONNECTIONS: intVar(1, 1_000_000, MAX_CONNECTIONS_PER_NODE),
    /** Ping interval; a peer that has not answered the previous ping by the next is terminated. */
    PING_SECONDS: intVar(1, 3600, PING_SECONDS),
    /** Drain window after SIGTERM: clients are closed in batches over this time. */
    DRAIN_SECONDS: intVar(0, 3600, DRAIN_SECONDS),
    /** Heartbeat interval into the registry. */
    HEARTBEAT_MS: intVar(100, 60_000, HEARTBEAT_MS),
    /** Largest accepted message. */
    MAX_PAYLOAD_BYTES: intVar(1, 64 * 1024 * 1024, DEFAULT_MAX_PAYLOAD_BYTES),
    /** A client whose unsent data grows past this is closed (backpressure). */
    MAX_BUFFERED_BYTES: intVar(1024, 256 * 1024 * 1024, DEFAULT_MAX_BUFFERED_BYTES),
    PERMESSAGE_DEFLATE: boolVar(false),
    /**
     * Messages (pings and pongs included) one client may send per second, with a second's worth of burst; past it
     * the node stops reading from that client until it is back within the rate (TCP backpressure).
     */
    MAX_MESSAGES_PER_SECOND: intVar(1, 1_000_000, 2000),
    /** Extra accepted token audience: the balancer's name under `nlb`/`haproxy`. */
    TOKEN_AUDIENCE: z.string().min(1).optional(),
    /** Token secret: Secrets Manager ARN (AWS) or a file (local). */
    TOKEN_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TOKEN_SECRET_FILE: z.string().min(1).optional(),
    REGISTRY_TABLE: z.string().min(3),
    /** Loopback endpoint of the embedded registry; absent in AWS. */
    REGISTRY_ENDPOINT: z.url().optional(),
    /** TLS for wss when the node is reached directly: PEM files, read once (local runs). */
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    /** TLS from a Secrets Manager bundle (certificate, intermediates, key), re-read every TLS_REFRESH_SECONDS. */
    TLS_CERT_SECRET_ARN: z.string().startsWith('arn:').optional(),
    TLS_REFRESH_SECONDS: intVar(10, 86_400, 300),
    /**
     * `direct` over wss: the node publishes `<NODE_ID>.<DNS_ZONE_NAME> A <public IPv4>` in this Route 53 zone
     * at start, is reached by that name, and deletes the record when it drains.
     */
    DNS_HOSTED_ZONE_ID: z
      .string()
      .regex(/^Z[A-Z0-9]{1,31}$/)
      .optional(),
    DNS_ZONE_NAME: z
      .string()
      .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/)
      .optional(),
    /** Fleet dimension of the EMF metric lines (the stack name); no EMF lines without it. */
    METRICS_FLEET: z.string().min(1).max(255).optional(),
    /** Interval of the EMF metric lines. */
    METRICS_SECONDS: intVar(1, 3600, 60),
    LOG_LEVEL: logLevelVar(),
    /**
     * Sidecar mode: pipe every admitted client to this WebSocket server (`ws://127.0.0.1:9000`) with the identity in
     * `x-wslb-*` headers, instead of hosting the bundled app. Loopback only unless UPSTREAM_ALLOW_REMOTE.
     */
    UPSTREAM_URL: z.string().min(1).optional(),
    /** Accept an UPSTREAM_URL off this host (its network must then be trusted with the identity headers). */
    UPSTREAM_ALLOW_REMOTE: boolVar(false),
    /** Time the upstream has to accept a connection before the client is closed with 1014. */
    UPSTREAM_CONNECT_TIMEOUT_MS: intVar(100, 60_000, 5000),
  })
  .superRefine((s, ctx) => {
    requireOneOf(s, ctx, ['TOKEN_SECRET_ARN', 'TOKEN_SECRET_FILE']);
    if (s.TLS_CERT_SECRET_ARN && s.TLS_CERT_FILE) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT_SECRET_ARN'], message: 'excludes TLS_CERT_FILE' });
    }
    if (Boolean(s.DNS_HOSTED_ZONE_ID) !== Boolean(s.DNS_ZONE_NAME)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.DNS_HOSTED_ZONE_ID ? 'DNS_ZONE_NAME' : 'DNS_HOSTED_ZONE_ID'],
        message: 'DNS_HOSTED_ZONE_ID and DNS_ZONE_NAME go together',
      });
    }
    if (s.DNS_HOSTED_ZONE_ID && s.ENDPOINT_SOURCE !== 'imds-public') {
      ctx.addIssue({
        code: 'custom',
        path: ['DNS_HOSTED_ZONE_ID'],
        message: 'needs ENDPOINT_SOURCE=imds-public (the record holds the public address)',
      });
    }
    const upstreamProblem = s.UPSTREAM_URL && upstreamUrlProblem(s.UPSTREAM_URL, s.UPSTREAM_ALLOW_REMOTE);
    if (upstreamProblem) ctx.addIssue({ code: 'custom', path: ['UPSTREAM_URL'], message: upstreamProblem });
    if (Boolean(s.TLS_CERT_FILE) !== Boolean(s.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CERT_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
      });
    }
  });

export type NodeSettings = z.infer<typeof nodeSettingsSchema>;

export function nodeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NodeSettings {
  return parseEnv(nodeSettingsSchema, env);
}
