import {
  createDocumentClient,
  DynamoDbRegistry,
  type EmbeddedRegistry,
  startEmbeddedRegistry,
} from '../../../runtime/registry';

describe('DynamoDbRegistry on the embedded registry', () => {
  let embedded: EmbeddedRegistry;
  let clock = Date.UTC(2026, 0, 1);
  const now = () => clock;
  const registry = () =>
    new DynamoDbRegistry({
      tableName: embedded.tableName,
      endpoint: embedded.endpoint,
      freshnessMs: 5000,
      now,
    });

  beforeAll(async () => {
    embedded = await startEmbeddedRegistry(`nodes-${process.pid}`);
  });
  afterAll(() => embedded.close());

  const beat = (nodeId: string, connections = 0) =>
    registry().heartbeat({
      nodeId,
      endpoint: `ws://127.0.0.1:1/${nodeId}`,
      connections,
      capacity: 100,
      state: 'active',
    });

  it('lists what nodes heartbeat, with heartbeat time and TTL', async () => {
    await beat('a', 3);
    const [a] = (await registry().list()).filter((n) => n.nodeId === 'a');
    expect(a).toEqual({
      nodeId: 'a',
      endpoint: 'ws://127.0.0.1:1/a',
      connections: 3,
      capacity: 100,
      state: 'active',
      heartbeatAt: clock,
      expiresAt: Math.floor(clock / 1000) + 300,
    });
  });

  it('keeps the current path in its own item, which listing never returns as a node', async () => {
    expect(await registry().currentPath()).toBeUndefined();
    await registry().setCurrentPath({ strategy: 'haproxy', retiring: 'nlb' });
    expect(await registry().currentPath()).toEqual({ strategy: 'haproxy', retiring: 'nlb', since: clock });
    await registry().setCurrentPath({ strategy: 'direct' });
    expect(await registry().currentPath()).toEqual({ strategy: 'direct', since: clock });
    await beat('p');
    const ids = (await registry().list()).map((n) => n.nodeId);
    expect(ids).toContain('p');
    expect(ids).not.toContain('#path');
  });

  it('hides an entry whose heartbeat is older than the freshness window', async () => {
    await beat('stale');
    clock += 5001;
    await beat('fresh');
    const ids = (await registry().list()).map((n) => n.nodeId);
    expect(ids).toContain('fresh');
    expect(ids).not.toContain('stale');
  });

  it('marks a node draining, and removes it', async () => {
    await beat('d');
    await registry().setDraining('d');
    expect((await registry().list()).find((n) => n.nodeId === 'd')?.state).toBe('draining');
    await registry().remove('d');
    expect((await registry().list()).find((n) => n.nodeId === 'd')).toBeUndefined();
  });

  it('does not create an entry when draining an unknown node', async () => {
    await registry().setDraining('ghost');
    expect((await registry().list()).find((n) => n.nodeId === 'ghost')).toBeUndefined();
  });

  it('reads every page of a large registry', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => beat(`bulk-${i}`)));
    const client = createDocumentClient(embedded.endpoint);
    let scans = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        scans += 1;
        return next(args);
      },
      { step: 'initialize' },
    );
    const paged = new DynamoDbRegistry({
      tableName: embedded.tableName,
      client,
      freshnessMs: 5000,
      now,
      scanPageSize: 7,
    });
    const bulk = (await paged.list()).filter((n) => n.nodeId.startsWith('bulk-'));
    expect(bulk).toHaveLength(60);
    expect(scans).toBeGreaterThan(60 / 7);
  });
});
