import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { PRICE_TABLES } from '../../cli/plan/prices';
import { round } from '../../harness/stats';
import { HEARTBEAT_MS, REGISTRY_CACHE_MS } from '../../runtime/contract/defaults';
import { createDocumentClient, DynamoDbRegistry, startEmbeddedRegistry } from '../../runtime/registry';
import type { Section, SectionContext } from '../types';

/** The fleet the issue asks about. */
const NODES = 100;
const AUTH_INSTANCES = 128;
const PRICES = PRICE_TABLES['us-east-1']!;
const SECONDS_PER_MONTH = 730 * 3600;

/** Capacity units DynamoDB reports for each call of one kind, through the real registry code. */
class UnitMeter {
  private readonly units: number[] = [];

  record(consumed: ConsumedCapacity | undefined): void {
    this.units.push(consumed?.CapacityUnits ?? 0);
  }

  /** Units of the calls recorded since `from` (an earlier `mark()`), summed. */
  since(from: number): number {
    return this.units.slice(from).reduce((a, b) => a + b, 0);
  }

  mark(): number {
    return this.units.length;
  }
}

/** A registry client that asks DynamoDB for the units of every call and records them. */
function meteredClient(endpoint: string, meter: UnitMeter) {
  const doc = createDocumentClient(endpoint);
  doc.middlewareStack.add(
    (next) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      meter.record((result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity);
      return result;
    },
    { step: 'initialize', name: 'wslbMeterUnits' },
  );
  return doc;
}

/** A node's heartbeat as it is under `direct` with TLS: the largest item a node writes. */
const heartbeatOf = (i: number) => {
  const id = `i-0${(0x123456789abcde + i).toString(16)}`;
  return {
    nodeId: id,
    endpoint: `wss://${id}.ws.example.com:443`,
    publicEndpoint: `wss://${id}.ws.example.com:443`,
    connections: 9_876,
    connectionsByPath: { direct: 9_876 },
    capacity: 10_000,
    state: 'active' as const,
  };
};

/**
 * 8. Registry cost at fleet scale: the units the real registry code spends per heartbeat, per node's path
 * check and per auth read, as the embedded DynamoDB (dynalite) reports them with ReturnConsumedCapacity over
 * 100 node items of the deployed shape; then per second and per month for 100 nodes and 128 busy auth
 * instances, with the auth read strongly vs eventually consistent (the baseline is the strongly consistent
 * Scan this build used before decision 0166).
 */
export const registryCost: Section = {
  id: 'registry-cost',
  title: 'Registry cost at fleet scale: 100 nodes, 128 auth instances',
  async run(_ctx: SectionContext) {
    const registry = await startEmbeddedRegistry();
    const meter = new UnitMeter();
    const client = meteredClient(registry.endpoint, meter);
    const open = (consistentScan: boolean, freshnessMs?: number) =>
      new DynamoDbRegistry({ tableName: registry.tableName, client, consistentScan, freshnessMs });
    try {
      const nodes = open(false);
      await nodes.setCurrentPath({ strategy: 'direct' });
      let from = meter.mark();
      const writesStarted = Date.now();
      for (let i = 0; i < NODES; i++) await nodes.heartbeat(heartbeatOf(i));
      const wruPerHeartbeat = meter.since(from) / NODES;
      from = meter.mark();
      await nodes.currentPath();
      const rruPerPathCheck = meter.since(from);
      from = meter.mark();
      // Freshness is not what is measured (a Scan is billed for every item it reads, fresh or not), but every
      // item must be read: the window covers the heartbeat loop, which ran past the deployed 6 s at load ~28
      // (the read counted 70 of 100 nodes as fresh).
      const read = await open(false, Date.now() - writesStarted + 6_000).read();
      const rruPerEventualScan = meter.since(from);
      // dynalite bills every Scan as eventually consistent (it drops ConsistentRead); DynamoDB bills a strongly
      // consistent one at twice that (Developer Guide, "Read consistency" and "Read request units").
      const rruPerConsistentScan = 2 * rruPerEventualScan;
      if (read.nodes.length !== NODES) throw new Error(`read ${read.nodes.length} fresh nodes of ${NODES}`);

      const heartbeatsPerSecond = NODES / (HEARTBEAT_MS / 1000);
      const pathChecksPerSecond = NODES / (HEARTBEAT_MS / 1000);
      // Upper bound: every instance serving logins all the time reads once per cache period.
      const authReadsPerSecond = AUTH_INSTANCES * (1000 / REGISTRY_CACHE_MS);
      /** One kind of call: its rate, units each, and what they cost a month at `pricePerMillion` units. */
      const cost = (perSecond: number, unitsPerCall: number, pricePerMillion: number) => ({
        perSecond,
        unitsPerCall,
        unitsPerSecond: perSecond * unitsPerCall,
        dollarsPerMonth: ((perSecond * unitsPerCall * SECONDS_PER_MONTH) / 1e6) * pricePerMillion,
      });
      const reads = PRICES.dynamoDbReadUnitsPerMillion;
      const rows = {
        heartbeats: cost(heartbeatsPerSecond, wruPerHeartbeat, PRICES.dynamoDbWriteUnitsPerMillion),
        pathChecks: cost(pathChecksPerSecond, rruPerPathCheck, reads),
        authReadsConsistent: cost(authReadsPerSecond, rruPerConsistentScan, reads),
        authReadsEventual: cost(authReadsPerSecond, rruPerEventualScan, reads),
      };
      const total = (auth: keyof typeof rows) =>
        rows.heartbeats.dollarsPerMonth + rows.pathChecks.dollarsPerMonth + rows[auth].dollarsPerMonth;
      const before = total('authReadsConsistent');
      const after = total('authReadsEventual');
      const row = (what: string, r: (typeof rows)['heartbeats'], unit: string) => [
        what,
        round(r.perSecond, 1).toString(),
        `${round(r.unitsPerCall, 2)} ${unit}`,
        `${round(r.unitsPerSecond, 1)} ${unit}`,
        `$${round(r.dollarsPerMonth, 2)}`,
      ];
      return {
        data: { nodes: NODES, authInstances: AUTH_INSTANCES, region: PRICES.region, rows, before, after },
        // Figures of a model over measured units: nothing here can miss a target.
        targets: [],
        table: [
          ['call', 'per second', 'units per call', 'units per second', 'per month'],
          row(`heartbeat (PutItem), ${NODES} nodes every ${HEARTBEAT_MS / 1000} s`, rows.heartbeats, 'WRU'),
          row('path check (GetItem, consistent), each heartbeat', rows.pathChecks, 'RRU'),
          row(
            `auth read, strongly consistent Scan (baseline), ${AUTH_INSTANCES} instances`,
            rows.authReadsConsistent,
            'RRU',
          ),
          row(`auth read, eventually consistent Scan (this build)`, rows.authReadsEventual, 'RRU'),
          ['registry total per month', '', '', '', `$${round(before, 2)} → $${round(after, 2)}`],
        ],
        notes: [
          `Units as dynalite reports them (ReturnConsumedCapacity TOTAL) for the real registry calls over ${NODES} items of the deployed shape (direct, TLS names, one path); the strongly consistent Scan is twice the eventually consistent one, as DynamoDB bills it (dynalite bills every Scan as eventually consistent); on-demand prices of ${PRICES.region} ($${PRICES.dynamoDbWriteUnitsPerMillion}/M WRU, $${PRICES.dynamoDbReadUnitsPerMillion}/M RRU), 730 h a month.`,
          `Auth reads are an upper bound: an instance reads the registry only while it serves logins, at most once per ${REGISTRY_CACHE_MS} ms; ${AUTH_INSTANCES} instances busy all month.`,
          'A Scan is billed by the size of the items it reads, not the number returned: a cached summary item or a sparse index would need every node to write it too (one hot item, or a second write per heartbeat); halving the read by eventual consistency costs nothing the auth needs (decision 0166).',
        ],
      };
    } finally {
      client.destroy();
      await registry.close();
    }
  },
};
