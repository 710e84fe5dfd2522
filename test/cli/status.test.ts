import { main } from '../../cli/main';
import { Heartbeat } from '../../runtime/node/heartbeat';
import {
  DynamoDbRegistry,
  type EmbeddedRegistry,
  type NodeHeartbeat,
  startEmbeddedRegistry,
} from '../../runtime/registry';
import { silentLog } from '../helpers/silent-log';
import { captureIo } from './capture-io';

describe('wslb status on the embedded registry (dynalite), nodes heartbeating through the node code', () => {
  let embedded: EmbeddedRegistry;
  let registry: DynamoDbRegistry;
  const snapshots: Record<string, NodeHeartbeat> = {
    'node-a': {
      nodeId: 'node-a',
      endpoint: 'ws://127.0.0.1:9001',
      connections: 3,
      capacity: 10,
      state: 'active',
    },
    'node-b': {
      nodeId: 'node-b',
      endpoint: 'ws://127.0.0.1:9002',
      connections: 10,
      capacity: 10,
      state: 'active',
    },
    'node-c': {
      nodeId: 'node-c',
      endpoint: 'ws://127.0.0.1:9003',
      connections: 4,
      capacity: 10,
      state: 'active',
    },
  };

  beforeAll(async () => {
    embedded = await startEmbeddedRegistry(`status-${process.pid}`);
    registry = new DynamoDbRegistry({ tableName: embedded.tableName, endpoint: embedded.endpoint });
    for (const id of Object.keys(snapshots)) {
      await new Heartbeat(registry, () => snapshots[id]!, 2000, silentLog).beat();
    }
    await registry.setDraining('node-c');
    // A node that stopped beating a minute ago: its entry is still in the table until TTL deletes it.
    const past = new DynamoDbRegistry({
      tableName: embedded.tableName,
      endpoint: embedded.endpoint,
      now: () => Date.now() - 60_000,
    });
    await new Heartbeat(
      past,
      () => ({
        nodeId: 'node-gone',
        endpoint: 'ws://127.0.0.1:9004',
        connections: 0,
        capacity: 10,
        state: 'active',
      }),
      2000,
      silentLog,
    ).beat();
  });
  afterAll(() => embedded.close());

  const status = async (...extra: string[]) => {
    const capture = captureIo();
    const code = await main(
      ['status', '--endpoint', embedded.endpoint, '--table-name', embedded.tableName, ...extra],
      capture.io,
    );
    return { code, stdout: capture.stdout(), stderr: capture.stderr() };
  };

  test('--json: fresh nodes with state, counts, heartbeat age and headroom; the stale entry is ignored', async () => {
    const before = Date.now();
    const { code, stdout, stderr } = await status('--json');
    expect(code).toBe(0);
    expect(stderr).toContain(`reading ${embedded.tableName} at ${embedded.endpoint}`);
    const s = JSON.parse(stdout);
    expect(s).toMatchObject({ table: embedded.tableName, freshnessMs: 6000, itemsRead: 4, staleIgnored: 1 });
    expect(
      s.nodes.map((n: { nodeId: string; state: string; headroom: number; offered: boolean }) => [
        n.nodeId,
        n.state,
        n.headroom,
        n.offered,
      ]),
    ).toEqual([
      ['node-a', 'active', 7, true],
      ['node-b', 'active', 0, false],
      ['node-c', 'draining', 0, false],
    ]);
    for (const n of s.nodes) {
      expect(n.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
      // Written in beforeAll: no older than the time since then (a generous bound on a busy machine).
      expect(n.heartbeatAgeMs).toBeLessThan(Date.now() - before + 30_000);
    }
    expect(s.totals).toEqual({
      nodes: 3,
      active: 2,
      draining: 1,
      connections: 17,
      capacity: 30,
      headroom: 7,
      byPath: {},
    });
    expect(s.path).toBeUndefined();
  });

  test('the table on stdout has one row per fresh node and a summary line', async () => {
    const { code, stdout } = await status();
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^node\s+state\s+connections\s+capacity\s+headroom\s+heartbeat age\s+offered\s+endpoint$/,
    );
    expect(lines.slice(1, 4).map((l) => l.split(/\s+/).slice(0, 5))).toEqual([
      ['node-a', 'active', '3', '10', '7'],
      ['node-b', 'active', '10', '10', '0'],
      ['node-c', 'draining', '4', '10', '0'],
    ]);
    expect(lines[4]).toMatch(
      /^3 fresh nodes \(2 active, 1 draining\): 17 of 30 connections, headroom 7; 1 stale entries ignored \(older than 6\.0 s\)$/,
    );
  });

  test('during a switch: the current path and the connections still on each path (decision 0150)', async () => {
    await registry.setCurrentPath({ strategy: 'haproxy', retiring: 'nlb' });
    const a = { ...snapshots['node-a']!, connectionsByPath: { nlb: 2, haproxy: 1 } };
    await new Heartbeat(registry, () => a, 2000, silentLog).beat();
    const json = JSON.parse((await status('--json')).stdout);
    expect(json).toMatchObject({
      path: { strategy: 'haproxy', retiring: 'nlb' },
      staleIgnored: 1,
      totals: { nodes: 3, byPath: { nlb: 2, haproxy: 1 } },
    });
    expect((await status()).stdout).toContain(
      'current path haproxy (retiring nlb); connections by path: nlb 2, haproxy 1\n',
    );
  });

  test('a wider freshness window counts the stale entry again', async () => {
    const { stdout } = await status('--json', '--freshness-ms', '600000');
    expect(JSON.parse(stdout).totals.nodes).toBe(4);
  });

  test('a table that does not exist fails with exit 1 and the cause', async () => {
    const capture = captureIo();
    const code = await main(
      ['status', '--endpoint', embedded.endpoint, '--table-name', 'no-such-table'],
      capture.io,
    );
    expect(code).toBe(1);
    expect(capture.stderr()).toContain(
      'cannot read the registry table no-such-table (ResourceNotFoundException',
    );
  });

  test('--table-name is required (exit 2)', async () => {
    const capture = captureIo();
    expect(await main(['status'], capture.io)).toBe(2);
    expect(capture.stderr()).toContain('wslb status: --table-name: required');
  });
});
