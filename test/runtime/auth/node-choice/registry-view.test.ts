import { RegistryView } from '../../../../runtime/auth/node-choice/registry-view';
import type { NodeRecord, NodeRegistry, RegistryRead } from '../../../../runtime/registry';

/** A registry whose reads the test releases by hand, counting each one. */
class GatedRegistry implements NodeRegistry {
  reads = 0;
  failing = false;
  nodes: NodeRecord[] = [];
  private release: (() => void)[] = [];
  async read(): Promise<RegistryRead> {
    this.reads += 1;
    await new Promise<void>((resolve) => this.release.push(resolve));
    if (this.failing) throw new Error('registry down');
    return { nodes: this.nodes, itemsRead: this.nodes.length + 1 };
  }
  releaseAll(): void {
    for (const r of this.release.splice(0)) r();
  }
  async list() {
    return (await this.read()).nodes;
  }
  async heartbeat() {}
  async remove() {}
  async setDraining() {}
}

const record = (nodeId: string, heartbeatAt: number): NodeRecord => ({
  nodeId,
  endpoint: 'ws://x',
  connections: 0,
  capacity: 10,
  state: 'active',
  heartbeatAt,
  expiresAt: 0,
});

describe('RegistryView', () => {
  let clock: number;
  let registry: GatedRegistry;
  let view: RegistryView;
  beforeEach(() => {
    clock = 100_000;
    registry = new GatedRegistry();
    registry.nodes = [record('a', clock)];
    view = new RegistryView(registry, { cacheMs: 1000, freshnessMs: 6000, now: () => clock });
  });

  const settle = () => new Promise((r) => setImmediate(r));
  /** One login that reads the (gated) registry, released at once. */
  const readOnce = async () => {
    const first = view.nodes();
    await settle();
    registry.releaseAll();
    return first;
  };

  it('shares one read among concurrent logins', async () => {
    const logins = Promise.all(Array.from({ length: 50 }, () => view.nodes()));
    await settle();
    registry.releaseAll();
    expect((await logins).every((n) => n.length === 1)).toBe(true);
    expect(registry.reads).toBe(1);
    expect(view.itemsRead).toBe(2);
  });

  it('reuses the view within cacheMs', async () => {
    await readOnce();
    clock += 999;
    await view.nodes();
    expect(registry.reads).toBe(1);
  });

  it('serves a view older than cacheMs at once while one refresh runs', async () => {
    await readOnce();
    clock += 2000;
    const served = await Promise.all([view.nodes(), view.nodes(), view.nodes()]);
    expect(served.map((n) => n.length)).toEqual([1, 1, 1]);
    expect(registry.reads).toBe(2);
    registry.releaseAll();
  });

  it('waits for the registry when the view is older than the freshness window', async () => {
    await readOnce();
    clock += 7000;
    registry.nodes = [record('b', clock)];
    let done = false;
    const login = view.nodes().then((n) => {
      done = true;
      return n;
    });
    await settle();
    expect(done).toBe(false);
    registry.releaseAll();
    expect((await login).map((n) => n.nodeId)).toEqual(['b']);
  });

  it('serves a still-fresh view while the registry fails, and fails without one', async () => {
    await readOnce();
    registry.failing = true;
    clock += 2000;
    expect((await view.nodes()).map((n) => n.nodeId)).toEqual(['a']);
    await settle();
    registry.releaseAll();
    await settle();
    clock += 5000;
    const login = view.nodes();
    await settle();
    registry.releaseAll();
    await expect(login).rejects.toThrow('registry down');
  });

  it('reads again, instead of offering fewer nodes, when entries age out of a view older than cacheMs', async () => {
    // Heartbeats 1 s apart, a view 2.5 s old: "a" was 0.9 s old when read and is 3.4 s old now (window 3 s).
    view = new RegistryView(registry, { cacheMs: 1000, freshnessMs: 3000, now: () => clock });
    registry.nodes = [record('a', clock - 900), record('b', clock)];
    expect((await readOnce()).map((n) => n.nodeId)).toEqual(['a', 'b']);
    clock += 2500;
    registry.nodes = [record('a', clock - 200), record('b', clock - 500)];
    let done = false;
    const login = view.nodes().then((n) => {
      done = true;
      return n;
    });
    await settle();
    expect(done).toBe(false);
    registry.releaseAll();
    expect((await login).map((n) => n.nodeId)).toEqual(['a', 'b']);
    expect(registry.reads).toBe(2);
  });

  it('still serves what remains fresh when that read fails', async () => {
    view = new RegistryView(registry, { cacheMs: 1000, freshnessMs: 3000, now: () => clock });
    registry.nodes = [record('a', clock - 900), record('b', clock)];
    await readOnce();
    registry.failing = true;
    clock += 2500;
    const login = view.nodes();
    await settle();
    registry.releaseAll();
    expect((await login).map((n) => n.nodeId)).toEqual(['b']);
  });

  it('drops entries that went stale while cached', async () => {
    registry.nodes = [record('old', clock - 5500), record('new', clock)];
    expect((await readOnce()).map((n) => n.nodeId)).toEqual(['old', 'new']);
    clock += 600;
    expect((await view.nodes()).map((n) => n.nodeId)).toEqual(['new']);
  });
});
