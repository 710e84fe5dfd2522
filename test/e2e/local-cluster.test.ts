import { BACKOFF_DEFAULTS } from '../../runtime/client';
import { ClientFleet } from '../../runtime/local/client-fleet';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { DynamoDbRegistry } from '../../runtime/registry';

jest.setTimeout(120_000);

const CLIENTS = 1500;
let cluster: LocalCluster;
let fleet: ClientFleet;

beforeAll(async () => {
  cluster = await LocalCluster.start({
    strategy: 'direct',
    nodes: 3,
    heartbeatMs: 500,
    freshnessMs: 2000,
    drainSeconds: 2,
  });
  // A client told 503 + Retry-After waits up to twice that (jitter above it): on two busy cores, where the
  // nodes' 500 ms heartbeats can miss the 2 s freshness window and auth says "no headroom", give each 60 s.
  fleet = new ClientFleet({
    authUrl: cluster.authUrl,
    credentials: cluster.credentials,
    concurrency: 100,
    openTimeoutMs: 60_000,
  });
});

afterAll(async () => {
  fleet?.closeAll();
  await cluster?.stop();
});

const spread = (counts: number[]) =>
  Math.max(...counts) / (counts.reduce((a, b) => a + b, 0) / counts.length);

describe('local cluster, strategy direct', () => {
  it(`connects ${CLIENTS} clients through the auth service, evenly (max/mean <= 1.10)`, async () => {
    const { connected, failed } = await fleet.open(CLIENTS);
    expect({ connected, failed }).toEqual({ connected: CLIENTS, failed: 0 });
    const counts = await cluster.nodeCounts();
    expect(counts.reduce((sum, n) => sum + n.connections, 0)).toBe(CLIENTS);
    expect(spread(counts.map((n) => n.connections))).toBeLessThanOrEqual(1.1);
  });

  it('moves a drained node’s clients to the others with the drain close code, losing none', async () => {
    const victim = cluster.nodes[0];
    const held = fleet.byNode().get(victim.nodeId) ?? 0;
    expect(held).toBeGreaterThan(0);
    const reopensBefore = fleet.stats.reopens;
    victim.drain();
    expect(await victim.exited).toBe(0);
    await fleet.waitForCloses(1012, held, 10_000);
    await fleet.waitFor(
      () => fleet.connectedCount() === CLIENTS,
      30_000,
      'every client to be connected again',
    );
    expect(fleet.stats.reopens - reopensBefore).toBe(held);
    expect(fleet.stats.closesByCode).toEqual({ 1012: held });
    expect(fleet.reopenedOn).not.toContain(victim.nodeId);
    expect(fleet.byNode().has(victim.nodeId)).toBe(false);
  });

  it('moves a killed node’s clients elsewhere once its registry entry is stale', async () => {
    await cluster.addNode();
    const victim = cluster.nodes[1];
    const held = fleet.byNode().get(victim.nodeId) ?? 0;
    expect(held).toBeGreaterThan(0);
    const killedAt = Date.now();
    victim.kill();
    await victim.exited;
    // The process is gone before every client has read its FIN; count first, or the next wait passes at once.
    await fleet.waitForCloses(1006, held, 10_000);
    // Stale after 2 s; the first retries spread over unplannedSpreadMs; one longest back-off window for a client
    // sent to the dead node before it went stale; the rest for logins on two busy cores (chaos 1 measures it).
    const boundMs = 2_000 + BACKOFF_DEFAULTS.unplannedSpreadMs + BACKOFF_DEFAULTS.maxMs + 13_000;
    await fleet.waitFor(
      () => fleet.connectedCount() === CLIENTS,
      boundMs - (Date.now() - killedAt),
      'every client to be connected again',
    );
    expect(fleet.stats.closesByCode[1006]).toBe(held);
    expect(fleet.byNode().has(victim.nodeId)).toBe(false);
    const counts = await cluster.nodeCounts();
    const survivors = cluster.nodes.filter((n) => n.running).map((n) => n.nodeId);
    expect(survivors).toHaveLength(2);
    expect(counts.map((n) => n.id).sort()).toEqual(survivors.sort());
    expect(counts.reduce((sum, n) => sum + n.connections, 0)).toBe(CLIENTS);
    const registry = new DynamoDbRegistry({
      tableName: 'wslb-nodes',
      endpoint: cluster.registryEndpoint,
      freshnessMs: 2000,
    });
    expect((await registry.list()).map((n) => n.nodeId)).not.toContain(victim.nodeId);
  });
});
