import { z } from 'zod';
import { ORIGIN_PATTERN } from '../runtime/contract/cors';
import { DECIMAL_INTEGER } from '../runtime/contract/decimal';
import { FRESHNESS_HEARTBEATS, FRESHNESS_MS, HEARTBEAT_MS } from '../runtime/contract/defaults';
import { InvalidInputError } from '../runtime/contract/errors';
import { NodeAppPathError, resolveNodeApp } from '../runtime/contract/node-app-entry';
import { sourceIpsNeeded } from '../runtime/contract/source-ips';
import { STRATEGIES, type Strategy } from '../runtime/contract/strategies';
import { upstreamUrlProblem } from '../runtime/contract/upstream';
import { AUTH_SERVICE_DEFAULTS as AUTH } from './auth-service-defaults';
import { defaultScalingTarget } from './fleet/scaling-policy';
import { WS_FLEET_DEFAULTS as FLEET, type NodeCounts } from './fleet/ws-fleet';
import { TCP_IDLE_TIMEOUT_DEFAULT, TLS_IDLE_TIMEOUT } from './nlb/nlb-balancer';
import { maxSecondaryIps, maxSourceIps } from './source-ips';
import { DNS_NAME, TLS_KEYS, type TlsContext, tlsContext } from './tls-context';

/** Every context value of the app, parsed and validated once. */
export interface WslbConfig {
  /** Name of the one stack of this deployment; several deployments side by side take different names. */
  readonly stackName: string;
  /** The strategy whose tier clients are handed. */
  readonly strategy: Strategy;
  /** A former strategy whose tier stays for this deploy while its clients move (see docs/deploy/README.md). */
  readonly retiring?: Strategy;
  readonly nodes: NodeCounts;
  readonly instanceType: string;
  readonly haproxyInstanceType: string;
  readonly wsPort: number;
  readonly maxConnectionsPerNode: number;
  /** Connections per node the node group's target tracking keeps; below maxConnectionsPerNode. */
  readonly scalingTargetPerNode: number;
  readonly drainSeconds: number;
  readonly pingSeconds: number;
  readonly idleTimeoutSeconds: number;
  readonly certificateArn?: string;
  /** With a certificate: keep the plaintext TCP listener on `wsPort` beside the TLS one. */
  readonly plaintextListener: boolean;
  /** The name clients use for the balancer (a DNS record you point at it); absent: its own address. */
  readonly publicHostname?: string;
  readonly targetConnections: number;
  readonly haproxySourceIps: number;
  /** The HAProxy pair's private VIP: outside the VPC CIDR, routed to the active instance. */
  readonly haproxyOverlayIp: string;
  readonly allowedOrigins: readonly string[];
  /** Interval of a node's registry heartbeat (not a context key: the freshness window follows it). */
  readonly heartbeatMs: number;
  /** A registry entry older than this is ignored by the auth service. */
  readonly freshnessMs: number;
  /** Each auth instance refreshes its registry view at most this often. */
  readonly registryCacheMs: number;
  /** Concurrent executions reserved for (and the most allowed to) the auth Lambda. */
  readonly authReservedConcurrency: number;
  /** An OIDC issuer whose ID tokens the auth service accepts besides the built-in users. */
  readonly oidc?: OidcContext;
  /** The in-process app bundled into the nodes (an absolute module path); absent: echo. docs/node-app.md */
  readonly nodeApp?: string;
  /** Sidecar mode: the upstream each node pipes its clients to, on the node's own host. docs/node-app.md */
  readonly nodeUpstreamUrl?: string;
  /** TLS served by the HAProxy pair and by `direct` nodes (lib/tls-context.ts, docs/deploy/tls.md). */
  readonly tls: TlsContext;
  /**
   * One line per key that was given but whose tier this deploy does not build (neither `strategy` nor
   * `retiring`): kept, not refused, so one cdk.json serves every strategy across a switch; the app shows each
   * as a synth warning.
   */
  readonly unusedKeys: readonly string[];
}

/** `oidcIssuer`, `oidcAudience`, `oidcJwksUrl`: for a Cognito user pool, its issuer URL and app client ids. */
export interface OidcContext {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwksUrl?: string;
}

/** A TLS listener's idle timeout, fixed by the NLB. */
const TLS_IDLE_SECONDS = TLS_IDLE_TIMEOUT.toSeconds();

/**
 * Memory of the auth function, MB: one full vCPU, since a login is one single-threaded scrypt and Lambda
 * gives CPU in proportion to memory (1,769 MB = 1 vCPU). The bundle peaks at ~217 MiB in a login (scrypt's
 * 128 MiB included); below 1,769 MB a login only takes longer at the same cost. Figures:
 * docs/decisions/0116-auth-lambda-sizing.md.
 */
export const AUTH_MEMORY_MB = 1769;

/** `-c key=value` arrives as a string, cdk.json as JSON: accept a decimal string where a number is due. */
const numeric = (v: unknown) => (typeof v === 'string' && DECIMAL_INTEGER.test(v) ? Number(v) : v);

const int = (min: number, max: number) => ({
  schema: z.preprocess(numeric, z.number().int().min(min).max(max)),
  accepts: `an integer from ${min} to ${max}`,
});

const parseNodes = (v: unknown): unknown => {
  if (typeof v === 'number') return { min: v, desired: v, max: v };
  if (typeof v !== 'string') return v;
  const parts = v.split('/').map((p) => numeric(p));
  if (parts.length === 1) return { min: parts[0], desired: parts[0], max: parts[0] };
  if (parts.length === 3) return { min: parts[0], desired: parts[1], max: parts[2] };
  return v;
};

const nodeCount = z.number().int().min(0).max(100);
const instanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/);

/** One schema per context key, with what it accepts in words (the error text). */
const KEYS = {
  stackName: {
    schema: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
    accepts: 'a CloudFormation stack name: a letter, then letters, digits and hyphens (at most 128)',
  },
  strategy: { schema: z.enum(STRATEGIES), accepts: `one of ${STRATEGIES.join(' | ')}` },
  retiring: {
    schema: z.enum(STRATEGIES),
    accepts: `one of ${STRATEGIES.join(' | ')}, other than strategy: the tier clients are moving off`,
  },
  nodes: {
    schema: z.preprocess(parseNodes, z.object({ min: nodeCount, desired: nodeCount, max: nodeCount.min(1) })),
    accepts: 'MIN/DESIRED/MAX with integers 0-100 and max >= 1 (e.g. 2/2/4), or one integer N for N/N/N',
  },
  instanceType: { schema: instanceType, accepts: 'an EC2 instance type like t4g.small' },
  haproxyInstanceType: { schema: instanceType, accepts: 'an EC2 instance type like c7g.large' },
  wsPort: int(1024, 65535),
  maxConnectionsPerNode: int(1, 1_000_000),
  scalingTargetPerNode: int(1, 999_999),
  drainSeconds: int(0, 3600),
  pingSeconds: int(1, 3600),
  idleTimeoutSeconds: int(60, 6000),
  certificateArn: {
    schema: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/),
    accepts: 'an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)',
  },
  plaintextListener: {
    schema: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()),
    accepts: 'true or false',
  },
  publicHostname: {
    schema: z.string().regex(DNS_NAME),
    accepts: 'a lower-case DNS name like ws.example.com',
  },
  targetConnections: int(1, 10_000_000),
  haproxySourceIps: int(1, 49),
  haproxyOverlayIp: {
    schema: z.ipv4(),
    accepts: 'an IPv4 address outside the VPC CIDR (10.40.0.0/16), e.g. 192.168.254.1',
  },
  registryCacheMs: int(0, 60_000),
  authReservedConcurrency: int(1, 1000),
  oidcIssuer: {
    schema: z.url({ protocol: /^https$/ }),
    accepts:
      'the issuer URL of ID tokens, https (a Cognito user pool: https://cognito-idp.REGION.amazonaws.com/POOL_ID)',
  },
  oidcAudience: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((a) => a.trim()) : v),
      z
        .array(z.string().regex(/^[^\s,]{1,256}$/))
        .min(1)
        .max(20),
    ),
    accepts: 'a comma-separated list of audiences (a Cognito user pool: its app client ids)',
  },
  oidcJwksUrl: { schema: z.url({ protocol: /^https$/ }), accepts: "the issuer's JWKS URL, https" },
  allowedOrigins: {
    schema: z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((o) => o.trim()) : v),
      z.array(z.string().regex(ORIGIN_PATTERN)).min(1),
    ),
    accepts: 'a comma-separated list of origins (https://app.example.com) or *',
  },
  nodeApp: {
    schema: z.string().min(1),
    accepts:
      'the path (from the folder cdk runs in) of a module whose default export is defineNodeApp(…), or of a ' +
      'folder holding app.ts',
  },
  nodeUpstreamUrl: {
    schema: z
      .string()
      .refine((v) => upstreamUrlProblem(v, false) === undefined)
      .refine((v) => !/[\s'"\\$`]/.test(v)),
    accepts:
      "a ws:// URL on the node's own host (ws://127.0.0.1:9000): loopback only, without quotes, spaces, $ or \\",
  },
  ...TLS_KEYS,
} as const;

export type ContextKey = keyof typeof KEYS;
export const CONTEXT_KEYS = Object.keys(KEYS) as ContextKey[];

/** The keys that configure one tier only, and the strategies whose tier reads them; every other key is the core's. */
export const TIER_KEYS: Readonly<Partial<Record<ContextKey, readonly Strategy[]>>> = {
  certificateArn: ['nlb'],
  plaintextListener: ['nlb'],
  idleTimeoutSeconds: ['nlb'],
  publicHostname: ['nlb', 'haproxy'],
  haproxyInstanceType: ['haproxy'],
  haproxySourceIps: ['haproxy'],
  haproxyOverlayIp: ['haproxy'],
  haproxyCertificateSecretArn: ['haproxy'],
  targetConnections: ['haproxy'],
  directCertificateSecretArn: ['direct'],
  directHostedZoneId: ['direct'],
  directZoneName: ['direct'],
};

/**
 * One line per given key (a value in `raw`) that only a tier reads whose strategy is neither `strategy` nor
 * `retiring`, naming the key and the strategies it applies to.
 */
export function unusedTierKeys(
  raw: Partial<Record<ContextKey, unknown>>,
  built: readonly Strategy[],
): string[] {
  return Object.entries(TIER_KEYS)
    .filter(([key, strategies]) => {
      const value = raw[key as ContextKey];
      return value !== undefined && value !== '' && !strategies.some((s) => built.includes(s));
    })
    .map(
      ([key, strategies]) =>
        `${key}: applies only to strategy ${strategies.join(' or ')}; ignored with strategy ${built.join(' and retiring ')}`,
    );
}

/** Defaults for keys whose default does not depend on other keys. */
export const DEFAULTS = {
  stackName: 'wslb',
  nodes: FLEET.capacity,
  instanceType: FLEET.instanceType,
  haproxyInstanceType: 'c7g.large',
  haproxyOverlayIp: '192.168.254.1',
  wsPort: FLEET.port,
  maxConnectionsPerNode: FLEET.maxConnectionsPerNode,
  drainSeconds: FLEET.drainWindow.toSeconds(),
  pingSeconds: FLEET.pingInterval.toSeconds(),
  idleTimeoutSeconds: TCP_IDLE_TIMEOUT_DEFAULT.toSeconds(),
  allowedOrigins: AUTH.allowedOrigins,
  registryCacheMs: AUTH.registryCacheWindow.toMilliseconds(),
  authReservedConcurrency: AUTH.reservedConcurrency,
  plaintextListener: false,
} as const;

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/**
 * Keys for which an empty value (`-c retiring=`) means "none": it clears a value `cdk.json` holds (deploy 2 of a
 * switch). Every other key given empty is refused by name.
 */
const EMPTY_MEANS_UNSET: ReadonlySet<ContextKey> = new Set(['retiring']);
/** Keys a deploy cannot do without: an empty value is not answered with "leave it out". */
const REQUIRED_KEYS: ReadonlySet<ContextKey> = new Set(['strategy']);

/**
 * Turn raw context (as read with `tryGetContext`) into a validated config; `present` lists every context key
 * the app was given, so a key that is neither wslb's nor CDK's is refused. Collects every problem, then
 * throws one {@link InvalidInputError} (subject `context`) naming each key, the value given and what is accepted.
 */
export function parseConfig(
  raw: Partial<Record<ContextKey, unknown>>,
  present: readonly string[] = [],
): WslbConfig {
  const problems: string[] = unknownContextKeys(present);
  const parsed: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = raw[key];
    if (value === undefined || (value === '' && EMPTY_MEANS_UNSET.has(key))) continue;
    if (value === '') {
      // `-c key=` is a forgotten value, not a request for the default: only a key where empty means "none" takes it.
      const hint = REQUIRED_KEYS.has(key) ? 'required' : 'leave the key out for its default';
      problems.push(`${key}: got ""; accepted: ${KEYS[key].accepts} (${hint})`);
      continue;
    }
    const result = KEYS[key].schema.safeParse(value);
    if (result.success) parsed[key] = result.data;
    else problems.push(`${key}: got ${show(value)}; accepted: ${KEYS[key].accepts}`);
  }
  const get = <T>(key: ContextKey, fallback: T): T => (key in parsed ? parsed[key] : fallback) as T;

  const nodes: NodeCounts = get('nodes', DEFAULTS.nodes);
  const maxConnectionsPerNode: number = get('maxConnectionsPerNode', DEFAULTS.maxConnectionsPerNode);
  const scalingTargetPerNode: number = get(
    'scalingTargetPerNode',
    defaultScalingTarget(maxConnectionsPerNode),
  );
  if (scalingTargetPerNode >= maxConnectionsPerNode && 'scalingTargetPerNode' in raw) {
    problems.push(
      `scalingTargetPerNode: got ${scalingTargetPerNode}; accepted: below maxConnectionsPerNode (${maxConnectionsPerNode})`,
    );
  }
  const pingSeconds: number = get('pingSeconds', DEFAULTS.pingSeconds);
  const idleTimeoutSeconds: number = get('idleTimeoutSeconds', DEFAULTS.idleTimeoutSeconds);
  const haproxyInstanceType: string = get('haproxyInstanceType', DEFAULTS.haproxyInstanceType);
  const targetConnections: number = get('targetConnections', nodes.max * maxConnectionsPerNode);
  const {
    perNode,
    sourceIps: neededIps,
    portsPerPair,
  } = sourceIpsNeeded({ targetConnections, maxConnectionsPerNode });
  const haproxySourceIps: number = get('haproxySourceIps', neededIps);
  const ipsGiven = 'haproxySourceIps' in parsed ? `got ${haproxySourceIps}` : `computed ${haproxySourceIps}`;

  if ('nodes' in parsed && !(nodes.min <= nodes.desired && nodes.desired <= nodes.max)) {
    problems.push(`nodes: got ${show(raw.nodes)}; accepted: min <= desired <= max`);
  }
  if (idleTimeoutSeconds <= pingSeconds) {
    problems.push(
      `idleTimeoutSeconds: got ${idleTimeoutSeconds}; accepted: more than pingSeconds (${pingSeconds}), ` +
        'or the balancer cuts idle sockets between pings',
    );
  }
  const certificateArn: string | undefined = get('certificateArn', undefined);
  const plaintextListener: boolean = get('plaintextListener', DEFAULTS.plaintextListener);
  const freshnessMs = FRESHNESS_MS;
  const registryCacheMs: number = get('registryCacheMs', DEFAULTS.registryCacheMs);
  if (registryCacheMs >= freshnessMs) {
    problems.push(
      `registryCacheMs: got ${registryCacheMs}; accepted: below the auth service's freshness window ` +
        `(${freshnessMs} ms: ${FRESHNESS_HEARTBEATS} node heartbeats of ${HEARTBEAT_MS} ms), or logins are served from a ` +
        'view whose entries the registry already counts as stale',
    );
  }
  const strategy: Strategy | undefined = get('strategy', undefined);
  const retiring: Strategy | undefined = get('retiring', undefined);
  if (raw.strategy === undefined) {
    problems.push(
      `strategy: got nothing; accepted: one of ${STRATEGIES.join(' | ')} (required: a deploy without it ` +
        'would remove the running tier)',
    );
  }
  if (retiring !== undefined && retiring === strategy) {
    problems.push(
      `retiring: got ${show(raw.retiring)}; accepted: a strategy other than strategy (${strategy})`,
    );
  }
  const haproxyBuilt = strategy === 'haproxy' || retiring === 'haproxy';
  const nlbBuilt = strategy === 'nlb' || retiring === 'nlb';
  if (nlbBuilt && certificateArn && pingSeconds >= TLS_IDLE_SECONDS) {
    problems.push(
      `pingSeconds: got ${pingSeconds}; accepted: below ${TLS_IDLE_SECONDS} with certificateArn, ` +
        "the NLB TLS listener's fixed idle timeout",
    );
  }
  if (nlbBuilt && certificateArn && !plaintextListener && 'idleTimeoutSeconds' in parsed) {
    problems.push(
      `idleTimeoutSeconds: got ${idleTimeoutSeconds}; accepted: only with a plaintext listener ` +
        `(plaintextListener=true or no certificateArn): a TLS listener's idle timeout is fixed at ` +
        `${TLS_IDLE_SECONDS} s`,
    );
  }
  if (haproxyBuilt && haproxySourceIps < neededIps) {
    problems.push(
      `haproxySourceIps: ${ipsGiven}; accepted: at least ${neededIps} for ${perNode} connections to one node ` +
        `(the smaller of targetConnections and maxConnectionsPerNode; ${portsPerPair} ports per ` +
        'source IP and node)',
    );
  }
  const sourceIpLimit = maxSourceIps(haproxyInstanceType);
  if (haproxyBuilt && haproxySourceIps > sourceIpLimit) {
    problems.push(
      `haproxySourceIps: ${ipsGiven} for ${perNode} connections to one node; accepted: at most ${sourceIpLimit} ` +
        `on one ENI of ${haproxyInstanceType} (${maxSecondaryIps(haproxyInstanceType)} secondary IPs, one of them ` +
        "the side's pair address; pick a larger haproxyInstanceType)",
    );
  }
  const oidcIssuer: string | undefined = get('oidcIssuer', undefined);
  const oidcAudience: string[] | undefined = get('oidcAudience', undefined);
  const oidcJwksUrl: string | undefined = get('oidcJwksUrl', undefined);
  if (oidcIssuer && !oidcAudience)
    problems.push('oidcAudience: got nothing; accepted: required with oidcIssuer');
  for (const [key, value] of [
    ['oidcAudience', oidcAudience],
    ['oidcJwksUrl', oidcJwksUrl],
  ] as const) {
    // An issuer given but refused is reported once, under its own key.
    if (value !== undefined && raw.oidcIssuer === undefined)
      problems.push(`${key}: got ${show(raw[key])}; accepted: only with oidcIssuer`);
  }
  const nodeApp = nodeAppFile(parsed.nodeApp as string | undefined, problems);
  if ('nodeApp' in parsed && 'nodeUpstreamUrl' in parsed) {
    problems.push(
      `nodeUpstreamUrl: got ${show(raw.nodeUpstreamUrl)}; accepted: not with nodeApp (the node pipes clients to ` +
        'the upstream instead of hosting an app)',
    );
  }
  const tls = tlsContext(parsed, raw, { haproxy: haproxyBuilt });
  problems.push(...tls.problems);
  if (problems.length > 0 || strategy === undefined) throw new InvalidInputError('context', problems);

  return {
    stackName: get('stackName', DEFAULTS.stackName),
    strategy,
    retiring,
    nodes,
    instanceType: get('instanceType', DEFAULTS.instanceType),
    haproxyInstanceType,
    wsPort: get('wsPort', DEFAULTS.wsPort),
    maxConnectionsPerNode,
    scalingTargetPerNode,
    drainSeconds: get('drainSeconds', DEFAULTS.drainSeconds),
    pingSeconds,
    idleTimeoutSeconds,
    certificateArn,
    plaintextListener,
    publicHostname: get<string | undefined>('publicHostname', undefined),
    targetConnections,
    haproxySourceIps,
    haproxyOverlayIp: get('haproxyOverlayIp', DEFAULTS.haproxyOverlayIp),
    allowedOrigins: get('allowedOrigins', DEFAULTS.allowedOrigins),
    heartbeatMs: HEARTBEAT_MS,
    freshnessMs,
    registryCacheMs,
    authReservedConcurrency: get('authReservedConcurrency', DEFAULTS.authReservedConcurrency),
    oidc:
      oidcIssuer && oidcAudience
        ? { issuer: oidcIssuer, audience: oidcAudience, ...(oidcJwksUrl ? { jwksUrl: oidcJwksUrl } : {}) }
        : undefined,
    nodeApp,
    nodeUpstreamUrl: get<string | undefined>('nodeUpstreamUrl', undefined),
    tls: tls.tls,
    unusedKeys: unusedTierKeys(raw, retiring ? [strategy, retiring] : [strategy]),
  };
}

/** `nodeApp` resolved to its module file, or a problem naming the key. */
function nodeAppFile(given: string | undefined, problems: string[]): string | undefined {
  if (given === undefined) return undefined;
  try {
    return resolveNodeApp(given);
  } catch (err) {
    if (!(err instanceof NodeAppPathError)) throw err;
    problems.push(`nodeApp: got ${err.message}`);
    return undefined;
  }
}

/** Read every known key from a construct's context (cdk.json, `-c`, or a test's App context). */
/** Context keys that are CDK's own, not the app's: feature flags, lookups, CLI settings. */
const isCdkKey = (key: string) =>
  key.includes(':') || key.startsWith('@') || ['cli-telemetry', 'acknowledged-issue-numbers'].includes(key);

/** Edit distance, for a "did you mean" on a mistyped key. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/**
 * One problem per context key (of `present`, every key the app was given) that is neither the app's nor CDK's:
 * a mistyped key must not deploy with the default it meant to change.
 */
export function unknownContextKeys(present: readonly string[]): string[] {
  const known = new Set<string>(CONTEXT_KEYS);
  return present
    .filter((key) => !known.has(key) && !isCdkKey(key))
    .map((key) => {
      const near = CONTEXT_KEYS.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort(
        (a, b) => a.d - b.d,
      )[0];
      const hint =
        near && near.d <= Math.max(2, Math.floor(key.length / 4)) ? `; did you mean ${near.k}?` : '';
      return `${key}: not a context key of wslb${hint} (every key: docs/settings/cdk-context.md)`;
    });
}

export function readContext(tryGetContext: (key: string) => unknown): Partial<Record<ContextKey, unknown>> {
  return Object.fromEntries(CONTEXT_KEYS.map((key) => [key, tryGetContext(key)]));
}

/**
 * The line the CDK app prints to stderr on every synth, e.g. `wslb: stack wslb, strategy haproxy, retiring nlb`:
 * the CDK CLI keeps only the last of two `-c strategy=` and tells the app nothing, so this is where a user sees
 * which tier a deploy builds.
 */
export function deploymentLine(config: Pick<WslbConfig, 'stackName' | 'strategy' | 'retiring'>): string {
  const retiring = config.retiring ? `, retiring ${config.retiring}` : '';
  return `wslb: stack ${config.stackName}, strategy ${config.strategy}${retiring}`;
}
