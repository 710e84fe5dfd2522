import { AUTH_MEMORY_MB, type ContextKey, DEFAULTS, parseConfig, type WslbConfig } from '../../lib/config';
import { maxSourceIps } from '../../lib/source-ips';
import { InvalidInputError } from '../../runtime/contract/errors';
import { DEPLOYED_SCRYPT, scryptMemoryBytes } from '../../runtime/contract/scrypt';
import { STRATEGIES, type Strategy } from '../../runtime/contract/strategies';
import { TOKEN_KEY_REFRESH_MS } from '../../runtime/contract/token-key-refresh';
import { USERS_REFRESH_MS } from '../../runtime/contract/users-refresh';
import { eventuallyConsistentScanReadUnits, itemBytes, writeUnits } from './dynamodb-units';
import { type LoginCpu, lambdaLoginSeconds } from './login-cost';
import { HOURS_PER_MONTH, type PriceTable } from './prices';
import { AVAILABILITY_ZONES, FOOTPRINTS, ROOT_VOLUME_GIB, SECRETS } from './strategy-footprint';
import { CONNECTION_OPEN_CLOSE_BYTES, messageWireBytes, PING_ROUND_BYTES } from './wire-bytes';

/** What the fleet must carry. Rates are taken to hold all month (size for the peak, price the average). */
export interface PlanInput {
  /** Connections held at once. */
  connections: number;
  /** New connections (logins) per second. */
  connectRate: number;
  /** Messages per second over all connections, both directions together. @default 0 */
  messageRate: number;
  /** Payload bytes of a message. */
  messageBytes: number;
  /** Context values to plan with (cdk.json keys): maxConnectionsPerNode, instanceType, haproxyInstanceType. */
  context: Partial<Record<ContextKey, unknown>>;
  loginCpu: LoginCpu;
  prices: PriceTable;
}

export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  /** USD per unit. */
  unitPrice: number;
  /** USD per month. */
  monthly: number;
}

export interface StrategyPlan {
  strategy: Strategy;
  nodes: { count: number; instanceType: string; maxConnectionsPerNode: number; why: string };
  haproxy?: { instances: number; instanceType: string; sourceIpsPerInstance: number; sourceIpLimit: number };
  nlb?: {
    /** NLCUs per dimension (TCP listener): new flows/s ÷ 800, active flows ÷ 100,000, GB/h ÷ 1. */
    capacityUnits: {
      newConnections: number;
      activeConnections: number;
      processedBytes: number;
      billed: number;
    };
    processedGbPerHour: number;
  };
  /** The context values the plan was made with: `cdk deploy -c key=value` for each deploys this plan. */
  context: Record<string, string | number>;
  auth: {
    memoryMb: number;
    /** The function's reserved concurrency: what the login rate needs, at least the stack default. */
    reservedConcurrency: number;
    scryptMemoryMb: number;
    secondsPerLogin: number;
    /** Logins in flight at once: the Lambda concurrency the rate needs. */
    concurrency: number;
    gbSecondsPerSecond: number;
  };
  registry: {
    itemBytes: number;
    heartbeatWritesPerSecond: number;
    writeUnitsPerSecond: number;
    /** Full registry reads (Scans) by auth instances: only `direct` reads the registry to pick a node. */
    fullReadsPerSecond: number;
    readUnitsPerSecond: number;
  };
  publicIpv4: number;
  cost: { lines: CostLine[]; monthly: number };
}

/** The flag of `wslb plan` for a context key it passes on, for error messages. */
export const FLAG_OF_KEY: Partial<Record<ContextKey, string>> = {
  targetConnections: '--connections',
  maxConnectionsPerNode: '--max-connections-per-node',
  instanceType: '--instance-type',
  haproxyInstanceType: '--haproxy-instance-type',
};

/** A plan that cannot be made with the values given; `problems` name the flag or context key. */
export class PlanError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PlanError';
  }
}

function configFor(strategy: Strategy, nodes: number, input: PlanInput): WslbConfig {
  try {
    return parseConfig({ ...input.context, strategy, nodes, targetConnections: input.connections });
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    throw new PlanError(
      err.problems.map((problem) => {
        const key = problem.slice(0, problem.indexOf(':'));
        // Name this command's flags where the stack names its context keys.
        const text = problem.replace(/\b[a-zA-Z]+\b/g, (word) => FLAG_OF_KEY[word as ContextKey] ?? word);
        if (key === 'authReservedConcurrency') {
          return `${text} (the login rate needs that many logins in flight: see --login-cpu-ms, or lower --connect-rate)`;
        }
        return key === 'nodes'
          ? `${strategy}: needs ${nodes} nodes; ${text} (raise --max-connections-per-node)`
          : text;
      }),
    );
  }
}

/**
 * Nodes for `connections` at `cap` each, plus one so that losing or draining a node leaves room for its
 * clients. `direct` (p2c on registry counts) and `haproxy` (leastconn) spread evenly (max/mean ≤ 1.01 in the
 * bench); an NLB places flows at random, so the fullest of n nodes holds about mean + √(2·mean·ln n)
 * (balls into bins), which must stay under the cap.
 */
export function nodesFor(
  strategy: Strategy,
  connections: number,
  cap: number,
): { count: number; why: string } {
  let n = Math.ceil(connections / cap);
  if (strategy === 'nlb') {
    const fullest = (k: number) => connections / k + Math.sqrt((2 * connections * Math.log(k)) / k);
    while (n > 1 && fullest(n) > cap) n += 1;
    return { count: n + 1, why: `random placement: the fullest of ${n} under the cap, plus one spare` };
  }
  return { count: n + 1, why: `even spread over ${n}, plus one spare` };
}

/** The default HAProxy type, or the cheapest larger one of its family whose ENI takes the source IPs. */
function haproxyConfig(nodes: number, input: PlanInput): WslbConfig {
  if (input.context.haproxyInstanceType !== undefined) return configFor('haproxy', nodes, input);
  const family = DEFAULTS.haproxyInstanceType.split('.')[0]!;
  const candidates = Object.keys(input.prices.ec2Hourly)
    .filter((t) => t.split('.')[0] === family)
    .sort((a, b) => input.prices.ec2Hourly[a]! - input.prices.ec2Hourly[b]!)
    .filter((t) => input.prices.ec2Hourly[t]! >= input.prices.ec2Hourly[DEFAULTS.haproxyInstanceType]!);
  let last: unknown;
  for (const haproxyInstanceType of candidates) {
    try {
      return configFor('haproxy', nodes, { ...input, context: { ...input.context, haproxyInstanceType } });
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** A registry item as large as a node writes it: what every heartbeat and every read costs. */
function registryItem(config: WslbConfig, publicNodes: boolean): Parameters<typeof itemBytes>[0] {
  const now = Date.UTC(2030, 0, 1);
  return {
    nodeId: 'i-0123456789abcdef0',
    endpoint: `${config.certificateArn ? 'wss' : 'ws'}://${publicNodes ? '203.0.113.255' : '10.40.255.255'}:${config.wsPort}`,
    ...(publicNodes
      ? { publicEndpoint: `${config.certificateArn ? 'wss' : 'ws'}://203.0.113.255:${config.wsPort}` }
      : {}),
    connections: config.maxConnectionsPerNode,
    connectionsByPath: { direct: config.maxConnectionsPerNode },
    capacity: config.maxConnectionsPerNode,
    state: 'draining',
    heartbeatAt: now,
    expiresAt: Math.floor(now / 1000) + 300,
  };
}

function priceFor(prices: PriceTable, instanceType: string): number {
  const price = prices.ec2Hourly[instanceType];
  if (price === undefined) {
    const known = Object.keys(prices.ec2Hourly).join(', ');
    throw new PlanError([`no ${prices.region} price for instance type ${instanceType}; priced: ${known}`]);
  }
  return price;
}

export function planStrategy(strategy: Strategy, input: PlanInput): StrategyPlan {
  const cap = Number(input.context.maxConnectionsPerNode ?? DEFAULTS.maxConnectionsPerNode);
  const nodes = nodesFor(strategy, input.connections, cap);
  const secondsPerLogin = lambdaLoginSeconds(input.loginCpu.cpuMs, AUTH_MEMORY_MB);
  const concurrency = input.connectRate * secondsPerLogin;
  // Every login in flight holds one execution environment; beyond the reservation Lambda throttles.
  const reserved = Math.max(DEFAULTS.authReservedConcurrency, Math.ceil(concurrency));
  const sized = { ...input, context: { ...input.context, authReservedConcurrency: reserved } };
  const config =
    strategy === 'haproxy' ? haproxyConfig(nodes.count, sized) : configFor(strategy, nodes.count, sized);
  const footprint = FOOTPRINTS[strategy];
  const { prices } = input;
  const lines: CostLine[] = [];
  const monthly = (
    item: string,
    quantity: number,
    unit: string,
    unitPrice: number,
    perMonth = HOURS_PER_MONTH,
  ) => lines.push({ item, quantity, unit, unitPrice, monthly: quantity * unitPrice * perMonth });

  monthly(
    `nodes (${config.instanceType})`,
    nodes.count,
    'instance-hour',
    priceFor(prices, config.instanceType),
  );
  const instances = nodes.count + footprint.haproxyInstances;
  let haproxy: StrategyPlan['haproxy'];
  if (footprint.haproxyInstances > 0) {
    haproxy = {
      instances: footprint.haproxyInstances,
      instanceType: config.haproxyInstanceType,
      sourceIpsPerInstance: config.haproxySourceIps,
      sourceIpLimit: maxSourceIps(config.haproxyInstanceType),
    };
    monthly(
      `HAProxy pair (${config.haproxyInstanceType})`,
      footprint.haproxyInstances,
      'instance-hour',
      priceFor(prices, config.haproxyInstanceType),
    );
  }
  monthly('root volumes (gp3)', instances * ROOT_VOLUME_GIB, 'GB-month', prices.ebsGp3GbMonth, 1);

  // Bytes the NLB processes (both directions, headers included) and bytes that leave AWS (half of them).
  const bytesPerSecond =
    input.messageRate * messageWireBytes(input.messageBytes) +
    (input.connections / config.pingSeconds) * PING_ROUND_BYTES +
    input.connectRate * CONNECTION_OPEN_CLOSE_BYTES;
  const gbPerHour = (bytesPerSecond * 3600) / 1e9;
  let nlb: StrategyPlan['nlb'];
  if (footprint.networkLoadBalancers > 0) {
    const units = {
      newConnections: input.connectRate / 800,
      activeConnections: input.connections / 100_000,
      processedBytes: gbPerHour,
    };
    const billed = Math.max(units.newConnections, units.activeConnections, units.processedBytes);
    nlb = { capacityUnits: { ...units, billed }, processedGbPerHour: gbPerHour };
    monthly('Network Load Balancer', footprint.networkLoadBalancers, 'hour', prices.nlbHourly);
    monthly('NLB capacity units', billed, 'NLCU-hour', prices.nlcuHourly);
  }
  const publicIpv4 =
    (footprint.publicNodes ? nodes.count : 0) +
    footprint.elasticIps +
    footprint.networkLoadBalancers * AVAILABILITY_ZONES;
  if (publicIpv4 > 0) monthly('public IPv4 addresses', publicIpv4, 'address-hour', prices.publicIpv4Hourly);
  if (footprint.interfaceEndpoints > 0) {
    monthly(
      `interface VPC endpoints (${footprint.interfaceEndpoints} × ${AVAILABILITY_ZONES} AZs)`,
      footprint.interfaceEndpoints * AVAILABILITY_ZONES,
      'endpoint-AZ-hour',
      prices.interfaceEndpointAzHourly,
    );
  }
  monthly('data out to the internet', (gbPerHour / 2) * HOURS_PER_MONTH, 'GB', prices.dataOutGb, 1);

  const gbSecondsPerSecond = concurrency * (AUTH_MEMORY_MB / 1024);
  const secondsPerMonth = 3600 * HOURS_PER_MONTH;
  monthly(
    'auth Lambda (Arm) compute',
    gbSecondsPerSecond * secondsPerMonth,
    'GB-second',
    prices.lambdaArmGbSecond,
    1,
  );
  monthly(
    'auth Lambda requests',
    (input.connectRate * secondsPerMonth) / 1e6,
    'million requests',
    prices.lambdaRequestsPerMillion,
    1,
  );

  const item = itemBytes(registryItem(config, footprint.publicNodes));
  const heartbeatWritesPerSecond = nodes.count / (config.heartbeatMs / 1000);
  const writeUnitsPerSecond = heartbeatWritesPerSecond * writeUnits(item);
  // Each busy auth instance reads the whole registry at most once per registryCacheMs, and only for a login.
  const authInstances = Math.ceil(concurrency);
  const fullReadsPerSecond =
    strategy === 'direct' ? Math.min(input.connectRate, authInstances * (1000 / config.registryCacheMs)) : 0;
  const readUnitsPerSecond = fullReadsPerSecond * eventuallyConsistentScanReadUnits(nodes.count, item);
  monthly(
    'registry writes (heartbeats)',
    (writeUnitsPerSecond * secondsPerMonth) / 1e6,
    'million WRU',
    prices.dynamoDbWriteUnitsPerMillion,
    1,
  );
  if (readUnitsPerSecond > 0) {
    monthly(
      'registry reads (auth)',
      (readUnitsPerSecond * secondsPerMonth) / 1e6,
      'million RRU',
      prices.dynamoDbReadUnitsPerMillion,
      1,
    );
  }
  monthly('secrets (token key, users)', SECRETS, 'secret-month', prices.secretMonthly, 1);
  // The token key by every node and auth instance; the users by every auth instance.
  const secretReadsPerHour =
    (nodes.count + authInstances) * (3_600_000 / TOKEN_KEY_REFRESH_MS) +
    authInstances * (3_600_000 / USERS_REFRESH_MS);
  monthly(
    'secret reads (key and users refresh)',
    (secretReadsPerHour * HOURS_PER_MONTH) / 10_000,
    '10,000 calls',
    prices.secretCallsPer10k,
    1,
  );

  return {
    strategy,
    nodes: {
      count: nodes.count,
      instanceType: config.instanceType,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      why: nodes.why,
    },
    haproxy,
    nlb,
    context: {
      strategy,
      nodes: nodes.count,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      instanceType: config.instanceType,
      targetConnections: config.targetConnections,
      authReservedConcurrency: config.authReservedConcurrency,
      ...(haproxy
        ? { haproxyInstanceType: config.haproxyInstanceType, haproxySourceIps: config.haproxySourceIps }
        : {}),
    },
    auth: {
      memoryMb: AUTH_MEMORY_MB,
      reservedConcurrency: config.authReservedConcurrency,
      scryptMemoryMb: scryptMemoryBytes(DEPLOYED_SCRYPT) / 2 ** 20,
      secondsPerLogin,
      concurrency,
      gbSecondsPerSecond,
    },
    registry: {
      itemBytes: item,
      heartbeatWritesPerSecond,
      writeUnitsPerSecond,
      fullReadsPerSecond,
      readUnitsPerSecond,
    },
    publicIpv4,
    cost: { lines, monthly: lines.reduce((sum, l) => sum + l.monthly, 0) },
  };
}

export interface FleetPlan {
  input: Omit<PlanInput, 'prices' | 'loginCpu' | 'context'> & {
    context: Partial<Record<ContextKey, unknown>>;
  };
  loginCpu: LoginCpu;
  prices: PriceTable;
  strategies: StrategyPlan[];
  notes: string[];
}

export const PLAN_NOTES = [
  'Rates are taken to hold all month: size with the peak, and read the cost as an upper bound.',
  'Not included: CloudWatch logs, metrics and dashboards, cross-AZ traffic, VPC flow logs, free tiers, savings plans, tax.',
  'HAProxy memory per connection is not modelled: the pair uses the stack default type unless its ENI cannot take the source IPs.',
];

/** Plan every strategy; throws {@link PlanError} naming the flag when the values do not fit the stack. */
export function planFleet(input: PlanInput): FleetPlan {
  const problems: string[] = [];
  const strategies: StrategyPlan[] = [];
  for (const strategy of STRATEGIES) {
    try {
      strategies.push(planStrategy(strategy, input));
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      for (const p of err.problems) if (!problems.includes(p)) problems.push(p);
    }
  }
  if (problems.length > 0) throw new PlanError(problems);
  const { prices, loginCpu, ...rest } = input;
  return { input: rest, loginCpu, prices, strategies, notes: PLAN_NOTES };
}
