import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Strategy } from '../../runtime/contract/strategies';
import { type AdminServer, startAdminServer } from '../../runtime/local/admin-server';
import { ClientFleet } from '../../runtime/local/client-fleet';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { ClusterBusyError } from '../../runtime/local/one-operation-at-a-time';
import { RetireRefusedError } from '../../runtime/local/switch-run';
import { DynamoDbRegistry } from '../../runtime/registry';

jest.setTimeout(150_000);

const root = join(__dirname, '..', '..');
const CLIENTS = 120;
/**
 * The CLI's wiring, on two pairs: the example, and one into `nlb` (the CLI re-runs itself in a network
 * namespace). All six ordered pairs run through the same LocalCluster.switchTo in the chaos quick run
 * (test/chaos/chaos-quick.test.ts, scenarios 12-17), so they are not repeated here.
 */
const PAIRS = [
  ['haproxy', 'direct'],
  ['direct', 'nlb'],
] as const satisfies readonly (readonly [Strategy, Strategy])[];

describe('npm start -- --switch-to: a live switch moves every client, none lost, none reset', () => {
  // Under nlb the CLI runs itself in a network namespace (root), else the HAProxy tcp stand-in: both switch.
  it.each(PAIRS)('%s -> %s', (from, to) => {
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      [
        'runtime/local/main.ts',
        ...['--once', '--json', '--nodes', '2', '--clients', String(CLIENTS)],
        ...['--strategy', from, '--switch-to', to],
      ],
      { cwd: root, encoding: 'utf8', timeout: 140_000 },
    );
    const summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
    // Everything in one message, so a failure shows the whole run.
    expect({ status: run.status, switch: summary.switch }).toEqual({
      status: 0,
      switch: {
        from,
        to,
        clients: CLIENTS,
        onNewPath: CLIENTS,
        lost: 0,
        abnormalCloses: 0,
        seconds: expect.any(Number),
      },
    });
    expect(summary.strategy).toBe(to);
    const held = summary.nodes.reduce((sum: number, n: { connections: number }) => sum + n.connections, 0);
    expect(held).toBe(CLIENTS);
  });

  it('refuses --switch-to equal to --strategy, naming the flag', () => {
    const run = spawnSync(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['runtime/local/main.ts', '--strategy', 'haproxy', '--switch-to', 'haproxy'],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--switch-to: must differ from --strategy (haproxy)');
  });
});

describe('the admin endpoint switches a running cluster', () => {
  let cluster: LocalCluster;
  let fleet: ClientFleet;
  let admin: AdminServer;
  beforeAll(async () => {
    cluster = await LocalCluster.start({ strategy: 'direct', nodes: 2, drainSeconds: 2 });
    fleet = new ClientFleet({ authUrl: cluster.authUrl, credentials: cluster.credentials });
    admin = await startAdminServer(cluster);
  });
  afterAll(async () => {
    fleet?.closeAll();
    await admin?.close();
    await cluster?.stop();
  });

  const call = (path: string, init: RequestInit = {}, token = admin.token) =>
    fetch(`${admin.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  it('POST /switch, then POST /retire: clients move with 1012, the registry and GET /path follow', async () => {
    expect((await fleet.open(40)).connected).toBe(40);
    expect((await call('/path', {}, 'wrong')).status).toBe(401);
    expect((await call('/switch', { method: 'POST', body: '{"to":"udp"}' })).status).toBe(400);
    expect((await call('/switch', { method: 'POST', body: '{"to":"haproxy","x":1}' })).status).toBe(400);
    expect((await call('/switch', { method: 'POST', body: 'x'.repeat(2000) })).status).toBe(413);
    expect((await call('/switch', { method: 'POST', body: '{"to":"direct"}' })).status).toBe(409);

    const res = await call('/switch', { method: 'POST', body: '{"to":"haproxy"}' });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 200,
      body: { from: 'direct', to: 'haproxy' },
    });
    expect(await (await call('/path')).json()).toEqual({ strategy: 'haproxy', retiring: 'direct' });
    const registry = new DynamoDbRegistry({
      tableName: cluster.registryTable,
      endpoint: cluster.registryEndpoint,
    });
    expect(await registry.currentPath()).toMatchObject({ strategy: 'haproxy', retiring: 'direct' });
    // A second switch waits for the first to be retired.
    expect((await call('/switch', { method: 'POST', body: '{"to":"nlb"}' })).status).toBe(409);

    const onHaproxy = () =>
      fleet.clients.filter((c) => c.connected && fleet.urlOf.get(c) === cluster.haproxy?.url).length;
    await fleet.waitFor(() => onHaproxy() === 40, 30_000, 'every client on haproxy');
    expect(fleet.stats.closesByCode[1012]).toBe(40);
    expect(fleet.stats.closesByCode[1006]).toBeUndefined();

    // What POST /retire checks before it retires: each node's own count by path.
    expect(await cluster.clientsOnPath('direct')).toEqual({});
    const onHaproxyByNode = await cluster.clientsOnPath('haproxy');
    expect(Object.values(onHaproxyByNode).reduce((a, b) => a + b, 0)).toBe(40);
    expect(await (await call('/retire', { method: 'POST' })).json()).toEqual({ retired: 'direct' });
    expect(await (await call('/path')).json()).toEqual({ strategy: 'haproxy' });
    expect(await registry.currentPath()).toEqual({ strategy: 'haproxy', since: expect.any(Number) });
    expect(onHaproxy()).toBe(40);
  });
});

describe('a stop during a switch', () => {
  it('stops the path the switch was starting too: no balancer and no run folder are left', async () => {
    const cluster = await LocalCluster.start({ strategy: 'direct', nodes: 1, drainSeconds: 1 });
    const dir = cluster.runDir;
    const switching = cluster.switchTo('haproxy').catch((err: Error) => err.message);
    await cluster.stop();
    // The switch may be refused for the stop or finish first; either way nothing it started outlives the stop.
    expect([undefined, 'the cluster is stopping']).toContain(await switching);
    const children = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter((line) => /haproxy|wslb-node/.test(line));
    expect(children).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('retire refuses while the old path still has clients', () => {
  let cluster: LocalCluster;
  let fleet: ClientFleet;
  beforeAll(async () => {
    // A 30 s window: the nodes move 20 clients over ~28 s, so right after the switch most are still on direct.
    cluster = await LocalCluster.start({ strategy: 'direct', nodes: 2, drainSeconds: 30 });
    fleet = new ClientFleet({ authUrl: cluster.authUrl, credentials: cluster.credentials });
  });
  afterAll(async () => {
    fleet?.closeAll();
    await cluster?.stop();
  });

  it('names the path and the clients each node holds on it; force retires it anyway', async () => {
    expect((await fleet.open(20)).connected).toBe(20);
    // While the switch runs (its path starting, then auth and the registry updated), a retire or a second
    // switch is refused, naming it: neither may act on a half-made change.
    const switching = cluster.switchTo('haproxy');
    await expect(cluster.retire({ force: true })).rejects.toEqual(new ClusterBusyError('switch to haproxy'));
    await expect(cluster.switchTo('nlb')).rejects.toEqual(new ClusterBusyError('switch to haproxy'));
    await switching;
    const refused = await cluster.retire().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(RetireRefusedError);
    const { retiring, clients } = refused as RetireRefusedError;
    expect(retiring).toBe('direct');
    const left = Object.values(clients).reduce((a, b) => a + b, 0);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(20);
    expect(Object.keys(clients).every((id) => cluster.nodes.some((n) => n.nodeId === id))).toBe(true);
    expect(cluster.currentPath).toEqual({ strategy: 'haproxy', retiring: 'direct' });
    expect(await cluster.retire({ force: true })).toBe('direct');
    expect(cluster.currentPath).toEqual({ strategy: 'haproxy' });
  });
});
