import { BACKOFF_DEFAULTS } from '../../runtime/client/backoff';
import { ClientFleet } from '../../runtime/local/client-fleet';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { peerAddresses } from '../../runtime/local/peers';

jest.setTimeout(180_000);

const CLIENTS = 1500;
let cluster: LocalCluster;
let fleet: ClientFleet;

beforeAll(async () => {
  cluster = await LocalCluster.start({ strategy: 'haproxy', nodes: 3, haproxySourceIps: 3, drainSeconds: 2 });
  fleet = new ClientFleet({ authUrl: cluster.authUrl, credentials: cluster.credentials, concurrency: 100 });
});

afterAll(async () => {
  fleet?.closeAll();
  await cluster?.stop();
});

const total = async () => (await cluster.nodeCounts()).reduce((sum, n) => sum + n.connections, 0);

describe('local cluster, strategy haproxy', () => {
  it(`connects ${CLIENTS} clients through auth and HAProxy, evenly, each node reached from every source IP`, async () => {
    expect(await fleet.open(CLIENTS)).toEqual({ connected: CLIENTS, failed: 0, failures: {} });
    const counts = await cluster.nodeCounts();
    const perNode = counts.map((n) => n.connections);
    expect(perNode.reduce((a, b) => a + b)).toBe(CLIENTS);
    expect(Math.max(...perNode) / (CLIENTS / perNode.length)).toBeLessThanOrEqual(1.1);
    for (const node of cluster.nodes) {
      // Other peers (this test's own /healthz requests from 127.0.0.1) are not HAProxy's.
      const peers = peerAddresses(node.port);
      const viaHaproxy = cluster.sourceIps.map((ip) => peers.get(ip) ?? 0);
      expect(viaHaproxy.every((n) => n > 0)).toBe(true);
      expect(viaHaproxy.reduce((a, b) => a + b)).toBe(counts.find((c) => c.id === node.nodeId)!.connections);
    }
    const servers = await cluster.haproxy!.perServerCounts();
    expect(Object.keys(servers)).toHaveLength(3 * cluster.sourceIps.length);
  });

  it('discovers an added node without a reload: no established socket drops, leastconn fills it first', async () => {
    const added = await cluster.addNode();
    const before = { ...fleet.stats.closesByCode };
    expect(await fleet.open(300)).toEqual({ connected: 300, failed: 0, failures: {} });
    expect(fleet.stats.closesByCode).toEqual(before);
    expect(fleet.stats.reopens).toBe(0);
    expect(fleet.connectedCount()).toBe(CLIENTS + 300);
    const counts = await cluster.nodeCounts();
    // Its server lines were added to the running worker, which still counts the held sockets on the others.
    expect(counts.find((c) => c.id === added.nodeId)!.connections).toBe(300);
    expect(await total()).toBe(CLIENTS + 300);
  });

  it('moves a drained node’s clients through auth and HAProxy to the others', async () => {
    const victim = cluster.nodes[0];
    const held = (await cluster.nodeCounts()).find((c) => c.id === victim.nodeId)!.connections;
    expect(held).toBeGreaterThan(0);
    victim.drain();
    expect(await victim.exited).toBe(0);
    await fleet.waitForCloses(1012, held, 10_000);
    // A 1012 is retried at once, but a login answered 503 + Retry-After (a node's heartbeat late on two busy cores)
    // waits up to twice that, then back-off: bound by the client's retry rules, not by a quiet machine's timing.
    const backMs = 2 * BACKOFF_DEFAULTS.maxMs + 30_000;
    await fleet.waitFor(() => fleet.connectedCount() === CLIENTS + 300, backMs, 'every client to be back');
    expect(fleet.stats.closesByCode).toEqual({ 1012: held });
    expect(fleet.stats.reopens).toBe(held);
    expect(await total()).toBe(CLIENTS + 300);
    expect((await cluster.nodeCounts()).map((c) => c.id)).not.toContain(victim.nodeId);
  });
});
