import { z } from 'zod';
import { parseInput } from '../../contract/errors';
import { EPHEMERAL_PORT_RANGE, portsPerPair } from '../../contract/source-ips';

const port = z.number().int().min(1).max(65535);
const ms = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(24 * 3600 * 1000)
    .default(fallback);

/** Ids become part of `server` names: keep them to characters HAProxy accepts in a name. */
const backendSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)'),
  host: z.ipv4(),
  port,
});

const portRangeSchema = z
  .object({ low: port, high: port })
  .refine((r) => r.low <= r.high, { message: 'low must not exceed high' });

/**
 * Everything `renderHaproxyConfig` needs. Validated once; defaults live here.
 * Zero backends is accepted on purpose: the config then has an empty backend (HAProxy answers 503), so
 * HAProxy can start before discovery has found any node and the agent fills it in with a reload.
 */
export const haproxyInputSchema = z
  .object({
    /**
     * `http`: WebSocket-aware proxy with leastconn (the `haproxy` strategy). `tcp` with `random`: an L4
     * flow balancer, the local stand-in for an NLB where no network namespace can be made. @default 'http'
     */
    mode: z.enum(['http', 'tcp']).default('http'),
    /** Client-facing listener. */
    listen: z.object({ address: z.ipv4().default('0.0.0.0'), port }),
    /** PEM file holding certificate and key; when set the listener speaks TLS. @default - plain ws */
    tlsCertFile: z.string().min(1).optional(),
    /** Stats page (`/stats`) and Prometheus exporter (`/metrics`) listener. */
    stats: z.object({ address: z.ipv4().default('127.0.0.1'), port }),
    /**
     * Serve `/metrics` with HAProxy's Prometheus exporter on the stats listener. Only a HAProxy built with it
     * (USE_PROMEX; `haproxy -vv` lists the `prometheus-exporter` service) accepts the line: the agent sets
     * this from agent/haproxy-features.ts. @default true
     */
    prometheusExporter: z.boolean().default(true),
    /** Drop root after binding: `user`/`group` in `global`. @default - keep the starting user (local runs) */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
      .optional(),
    /** Runtime API socket (`expose-fd listeners`, so a reload hands the listening sockets over). */
    statsSocket: z.string().min(1),
    backends: z.array(backendSchema).default([]),
    /** Local addresses the backend connections leave from; one `server` line per node and source IP. */
    sourceIps: z.array(z.ipv4()).default([]),
    /** Process-wide connection cap (client side). */
    maxconn: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Per `server` line cap. @default - the port range size, so a line never runs out of ports */
    maxconnPerServer: z.number().int().min(1).max(1_000_000).optional(),
    /** When set, warn if the source IPs cannot hold this many connections. */
    targetConnections: z.number().int().min(0).optional(),
    /** A node's own cap: no more than this ever go to one node. @default - no cap */
    maxConnectionsPerNode: z.number().int().min(1).optional(),
    portRange: portRangeSchema.default(EPHEMERAL_PORT_RANGE),
    timeouts: z
      .object({
        connectMs: ms(5_000),
        clientMs: ms(30_000),
        serverMs: ms(30_000),
        /** Idle limit of an upgraded (WebSocket) connection; nodes ping far more often. */
        tunnelMs: ms(3_600_000),
        clientFinMs: ms(30_000),
        httpRequestMs: ms(10_000),
        /** How long an old worker may keep its WebSockets after a reload before it is stopped. */
        hardStopAfterMs: ms(3_600_000),
      })
      .prefault({}),
    healthCheck: z
      .object({
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~/-]*$/, 'an absolute path without spaces or query')
          .default('/healthz'),
        interMs: ms(2_000),
        fall: z.number().int().min(1).max(100).default(3),
        rise: z.number().int().min(1).max(100).default(2),
      })
      .prefault({}),
  })
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.backends.forEach((b, i) => {
      if (seen.has(b.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['backends', i, 'id'],
          message: `duplicate backend id ${b.id}`,
        });
      }
      seen.add(b.id);
    });
    const ips = new Set<string>();
    input.sourceIps.forEach((ip, i) => {
      if (ips.has(ip))
        ctx.addIssue({ code: 'custom', path: ['sourceIps', i], message: `duplicate source IP ${ip}` });
      ips.add(ip);
    });
    if (input.listen.port === input.stats.port && input.listen.address === input.stats.address) {
      ctx.addIssue({
        code: 'custom',
        path: ['stats', 'port'],
        message: 'stats and listen share an address:port',
      });
    }
  });

export type HaproxyInput = z.input<typeof haproxyInputSchema>;
export type HaproxyConfig = z.output<typeof haproxyInputSchema>;

/**
 * The input with its defaults filled in.
 * @throws {InvalidInputError} (subject `haproxy input`) naming every bad field.
 */
export function parseHaproxyInput(input: HaproxyInput): HaproxyConfig {
  return parseInput('haproxy input', haproxyInputSchema, input);
}

export function effectiveMaxconnPerServer(config: HaproxyConfig): number {
  return config.maxconnPerServer ?? portsPerPair(config.portRange);
}
