import {
  consistentScanReadUnits,
  eventuallyConsistentScanReadUnits,
  itemBytes,
  writeUnits,
} from '../../cli/plan/dynamodb-units';
import { nodesFor, PlanError, type PlanInput, planFleet } from '../../cli/plan/fleet-plan';
import { lambdaLoginSeconds } from '../../cli/plan/login-cost';
import { HOURS_PER_MONTH, PRICE_TABLES } from '../../cli/plan/prices';
import { CONNECTION_OPEN_CLOSE_BYTES, messageWireBytes, PING_ROUND_BYTES } from '../../cli/plan/wire-bytes';
import { AUTH_MEMORY_MB, DEFAULTS, parseConfig } from '../../lib/config';
import { RegistryView } from '../../runtime/auth/node-choice/registry-view';
import type { NodeRegistry } from '../../runtime/registry';

const prices = PRICE_TABLES['us-east-1']!;

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  connections: 250_000,
  connectRate: 100,
  messageRate: 5000,
  messageBytes: 128,
  context: {},
  loginCpu: { cpuMs: 400, source: 'test' },
  prices,
  ...over,
});

const byStrategy = (plan: ReturnType<typeof planFleet>) =>
  Object.fromEntries(plan.strategies.map((s) => [s.strategy, s]));

describe('wslb plan: sizing', () => {
  test('even strategies need ceil(connections / cap) nodes plus one spare', () => {
    expect(nodesFor('direct', 250_000, 10_000).count).toBe(26);
    expect(nodesFor('haproxy', 250_001, 10_000).count).toBe(27);
    expect(nodesFor('direct', 1, 10_000).count).toBe(2);
  });

  test('nlb: the fewest nodes whose fullest stays under the cap with random placement, plus one', () => {
    const fullest = (n: number, total: number) => total / n + Math.sqrt((2 * total * Math.log(n)) / n);
    for (const total of [5_000, 95_000, 250_000, 1_000_000]) {
      const n = nodesFor('nlb', total, 10_000).count - 1;
      expect(fullest(n, total)).toBeLessThanOrEqual(10_000);
      if (n > Math.ceil(total / 10_000)) expect(fullest(n - 1, total)).toBeGreaterThan(10_000);
    }
    expect(nodesFor('nlb', 250_000, 10_000).count).toBeGreaterThan(nodesFor('direct', 250_000, 10_000).count);
  });

  test('NLB capacity units per dimension for a given load (TCP: 800 new/s, 100,000 active, 1 GB/h)', () => {
    const { nlb } = byStrategy(planFleet(input()));
    // 238 B a message, 164 B a ping round every 25 s, 1,214 B to open and close a connection.
    expect([messageWireBytes(128), PING_ROUND_BYTES, CONNECTION_OPEN_CLOSE_BYTES]).toEqual([238, 164, 1214]);
    const gbPerHour = ((5000 * 238 + (250_000 / 25) * 164 + 100 * 1214) * 3600) / 1e9;
    expect(nlb!.nlb!.capacityUnits).toEqual({
      newConnections: 0.125,
      activeConnections: 2.5,
      processedBytes: gbPerHour,
      billed: gbPerHour,
    });
    expect(gbPerHour).toBeCloseTo(10.625, 3);
  });

  test('HAProxy: source IPs from the stack config; a larger type of the family when the ENI cannot take them', () => {
    const small = byStrategy(planFleet(input({ context: { maxConnectionsPerNode: 100_000 } }))).haproxy!;
    expect(small.haproxy).toEqual({
      instances: 2,
      instanceType: 'c7g.large',
      sourceIpsPerInstance: 4,
      sourceIpLimit: 8,
    });
    const big = byStrategy(
      planFleet(input({ connections: 1_000_000, context: { maxConnectionsPerNode: 300_000 } })),
    ).haproxy!;
    expect(big.haproxy).toEqual({
      instances: 2,
      instanceType: 'c7g.xlarge',
      sourceIpsPerInstance: 11,
      sourceIpLimit: 13,
    });
    // What `cdk deploy` would compute for the same values.
    const config = parseConfig({
      strategy: 'haproxy',
      nodes: big.nodes.count,
      targetConnections: 1_000_000,
      maxConnectionsPerNode: 300_000,
      haproxyInstanceType: 'c7g.xlarge',
    });
    expect(config.haproxySourceIps).toBe(11);
  });

  test('values the stack would refuse are errors naming the flag', () => {
    expect(() => planFleet(input({ connections: 2_000_000 }))).toThrow(PlanError);
    expect(() => planFleet(input({ connections: 2_000_000 }))).toThrow(
      /needs 201 nodes; nodes: got 201; accepted: .*\(raise --max-connections-per-node\)/,
    );
    expect(() =>
      planFleet(
        input({
          connections: 1_000_000,
          context: { haproxyInstanceType: 'c7g.large', maxConnectionsPerNode: 1_000_000 },
        }),
      ),
    ).toThrow(
      'haproxySourceIps: computed 36 for 1000000 connections to one node; accepted: at most 8 on one ENI of ' +
        "c7g.large (9 secondary IPs, one of them the side's pair address; pick a larger --haproxy-instance-type)",
    );
    expect(() => planFleet(input({ context: { instanceType: 'nope' } }))).toThrow(
      '--instance-type: got "nope"; accepted: an EC2 instance type like t4g.small',
    );
    expect(() => planFleet(input({ context: { instanceType: 'x9.huge' } }))).toThrow(
      /no us-east-1 price for instance type x9\.huge/,
    );
  });

  test('auth: login time from CPU and the vCPU share of the deployed memory; concurrency = rate × time', () => {
    const { direct } = byStrategy(planFleet(input()));
    const seconds = 0.4 / (AUTH_MEMORY_MB / 1769);
    expect(direct!.auth.secondsPerLogin).toBeCloseTo(seconds, 9);
    expect(direct!.auth.concurrency).toBeCloseTo(100 * seconds, 9);
    expect(direct!.auth.gbSecondsPerSecond).toBeCloseTo(100 * seconds * (AUTH_MEMORY_MB / 1024), 9);
    expect(direct!.auth.scryptMemoryMb).toBeCloseTo(128, 1);
    expect(direct!.auth.reservedConcurrency).toBe(
      Math.max(DEFAULTS.authReservedConcurrency, Math.ceil(100 * seconds)),
    );
    expect(lambdaLoginSeconds(400, 4096)).toBe(0.4);
  });

  test('registry: heartbeats from every node; only direct reads, one Scan per instance per cache period at most', () => {
    const s = byStrategy(planFleet(input()));
    expect(s.direct!.registry.heartbeatWritesPerSecond).toBe(26 / 2);
    expect(s.direct!.registry.writeUnitsPerSecond).toBe(13);
    expect(s.nlb!.registry.fullReadsPerSecond).toBe(0);
    expect(s.haproxy!.registry.fullReadsPerSecond).toBe(0);
    // 100 logins/s of 0.4 s each keep ~40 instances busy; each reads at most once per registryCacheMs (1 s).
    const reads = Math.min(100, Math.ceil(100 * 0.4 * (1769 / AUTH_MEMORY_MB)));
    expect(s.direct!.registry.fullReadsPerSecond).toBe(reads);
    expect(s.direct!.registry.readUnitsPerSecond).toBe(
      reads * eventuallyConsistentScanReadUnits(26, s.direct!.registry.itemBytes),
    );
  });

  test('the monthly total is the sum of priced lines; public IPv4 per strategy', () => {
    const s = byStrategy(planFleet(input()));
    for (const p of Object.values(s)) {
      expect(p.cost.monthly).toBeCloseTo(
        p.cost.lines.reduce((sum, l) => sum + l.monthly, 0),
        6,
      );
    }
    expect([s.nlb!.publicIpv4, s.haproxy!.publicIpv4, s.direct!.publicIpv4]).toEqual([2, 1, 26]);
    const nodes = s.direct!.cost.lines.find((l) => l.item === 'nodes (t4g.small)')!;
    expect(nodes).toEqual({
      item: 'nodes (t4g.small)',
      quantity: 26,
      unit: 'instance-hour',
      unitPrice: 0.0168,
      monthly: 26 * 0.0168 * HOURS_PER_MONTH,
    });
  });
});

describe('DynamoDB units', () => {
  test('item size counts names and values; a heartbeat is one WRU; a Scan one RRU per started 4 KB', () => {
    expect(itemBytes({ nodeId: 'i-0123456789abcdef0', connections: 10_000 })).toBe(6 + 19 + 11 + 2);
    expect(writeUnits(160)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(consistentScanReadUnits(100, 160)).toBe(4);
    expect(consistentScanReadUnits(1, 160)).toBe(1);
    expect(eventuallyConsistentScanReadUnits(100, 160)).toBe(2);
  });
});

describe('the read model holds for the auth RegistryView', () => {
  /** K instances, each with its own view of a registry that counts reads; logins spread round-robin. */
  function simulate(instances: number, loginsPerSecond: number, seconds: number, cacheMs: number) {
    let clock = 1_000_000;
    let reads = 0;
    const registry = {
      read: async () => {
        reads += 1;
        return {
          nodes: [
            {
              nodeId: 'n',
              endpoint: 'ws://x',
              connections: 0,
              capacity: 10,
              state: 'active' as const,
              heartbeatAt: clock,
              expiresAt: 0,
            },
          ],
          itemsRead: 1,
        };
      },
    } as unknown as NodeRegistry;
    const views = Array.from(
      { length: instances },
      () => new RegistryView(registry, { cacheMs, freshnessMs: 6000, now: () => clock }),
    );
    return (async () => {
      const logins = Math.round(loginsPerSecond * seconds);
      for (let i = 0; i < logins; i += 1) {
        clock = 1_000_000 + Math.round((i * 1000) / loginsPerSecond);
        await views[i % instances]!.nodes();
        await new Promise((r) => setImmediate(r));
      }
      return reads / seconds;
    })();
  }

  test.each([
    // [instances, logins/s]: busy instances read once per cache period; idle ones once per login.
    [10, 50],
    [20, 5],
    [4, 4],
  ])('%i instances at %i logins/s read min(rate, instances / cache) times a second', async (k, rate) => {
    const measured = await simulate(k, rate, 60, 1000);
    const model = Math.min(rate, k * 1);
    expect(measured).toBeLessThanOrEqual(model * 1.05);
    expect(measured).toBeGreaterThanOrEqual(model * 0.9);
  });
});
