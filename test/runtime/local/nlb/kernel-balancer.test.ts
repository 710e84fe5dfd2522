import { join } from 'node:path';
import { useFixtureBundles } from '../netns/fixture-bundle';
import { describeWithNamespaces, useTestNamespace } from '../netns/kernel-support';
import { type Message, NsProcess } from './ns-process';

type Counts = Record<string, number>;
interface Opened {
  byTarget: Counts;
  remotes: Counts;
  errors: Counts;
}
interface Echoed {
  alive: Counts;
  dead: Counts;
}

const VIP = { host: '127.0.9.9', port: 8000 };
const HEALTH = { intervalMs: 200, timeoutMs: 150, healthyThreshold: 2, unhealthyThreshold: 2 };
const DELAY_MS = 1_500;
const TARGETS = ['t1', 't2', 't3'];
const sum = (c: Counts) => Object.values(c).reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeWithNamespaces('nlb stand-in: nftables DNAT inside a namespace, driven by the target group', () => {
  const namespace = useTestNamespace('nlb');
  const fixture = useFixtureBundles(
    ['stand-in.ts', 'load-client.ts', 'target-server.ts'].map((f) => join(__dirname, 'fixtures', f)),
  );
  const procs: NsProcess[] = [];
  const servers = new Map<string, NsProcess>();
  let standIn: NsProcess;
  let client: NsProcess;

  const start = async (name: string, args: string[]) => {
    const proc = await NsProcess.start(namespace(), fixture(name), args);
    procs.push(proc);
    return proc;
  };
  const open = (group: string, count: number, localAddress: string) =>
    client.request<Opened>({ type: 'open', group, count, localAddress }, 20_000);
  const echo = (group: string) => client.request<Echoed>({ type: 'echo', group });
  const appliedAfter = (since: number, test: (targets: string[]) => boolean, timeoutMs: number) =>
    standIn.waitFor(
      (m: Message) => m.type === 'applied' && Number(m.at) >= since && test(m.targets as string[]),
      timeoutMs,
      'applied ruleset',
    );

  beforeAll(async () => {
    const config = { namespace: namespace(), vip: VIP, healthCheck: HEALTH, deregistrationDelayMs: DELAY_MS };
    await Promise.all([
      start('stand-in.ts', [JSON.stringify(config)]).then((p) => {
        standIn = p;
      }),
      start('load-client.ts', [`ws://${VIP.host}:${VIP.port}`]).then((p) => {
        client = p;
      }),
      ...TARGETS.map((id, i) =>
        start('target-server.ts', [id, String(9101 + i)]).then((p) => servers.set(id, p)),
      ),
    ]);
  }, 30_000);

  afterAll(async () => {
    // The namespace's own afterAll kills anything left inside by pid; this stops them gracefully first.
    await Promise.all(procs.map((p) => p.stop()));
  });

  it('resets new flows to the VIP while no target is registered (an NLB without targets accepts nothing)', async () => {
    const result = await open('none', 3, '127.0.3.1');
    expect(result.byTarget).toEqual({});
    expect(sum(result.errors)).toBe(3);
    // Node reports a RST answering a SYN as ECONNREFUSED.
    for (const code of Object.keys(result.errors)) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(code);
  });

  it('spreads 300 connections over three healthy targets, which see the client’s own address', async () => {
    for (const [i, id] of TARGETS.entries()) {
      await standIn.request({ type: 'register', target: { id, host: '127.0.0.1', port: 9101 + i } });
    }
    await standIn.request({ type: 'whenHealthy', ids: TARGETS }, 15_000);

    const result = await open('spread', 300, '127.0.3.3');
    expect(result.errors).toEqual({});
    expect(sum(result.byTarget)).toBe(300);
    for (const id of TARGETS) expect(result.byTarget[id]).toBeGreaterThanOrEqual(60);
    // A proxy would connect from its own address; DNAT leaves the client's.
    expect(result.remotes).toEqual({ '127.0.3.3': 300 });
    for (const id of TARGETS) {
      const stats = await servers.get(id)!.request<{ remotes: Counts }>({ type: 'stats' });
      expect(stats.remotes).toEqual({ '127.0.3.3': result.byTarget[id] });
    }
    await client.request({ type: 'close', group: 'spread' });
  });

  it('stops new flows to a target after unhealthyThreshold failed checks, keeps its established ones', async () => {
    const held = await open('held', 60, '127.0.3.4');
    expect(held.byTarget.t2).toBeGreaterThan(0);

    const failedAt = Date.now();
    await servers.get('t2')!.request({ type: 'health', ok: false });
    // The guarantee is a count of failed probes, not a wall-clock figure (a busy machine delays probes): the
    // target leaves only after `unhealthyThreshold` consecutive failures, so never before the interval between
    // them, and it does leave within the bounded wait. target-group.test.ts checks the count on a fake clock.
    const applied = await appliedAfter(failedAt, (t) => !t.includes('t2'), 15_000);
    expect(Number(applied.at) - failedAt).toBeGreaterThanOrEqual(
      HEALTH.intervalMs * (HEALTH.unhealthyThreshold - 1),
    );

    const after = await open('after-failure', 60, '127.0.3.5');
    expect(after.byTarget.t2).toBeUndefined();
    expect(sum(after.byTarget)).toBe(60);
    expect(await echo('held')).toEqual({ alive: held.byTarget, dead: {} });

    const healedAt = Date.now();
    await servers.get('t2')!.request({ type: 'health', ok: true });
    await appliedAfter(healedAt, (t) => t.length === 3, 5_000);
    await client.request({ type: 'close', group: 'after-failure' });
  });

  it('keeps a deregistered target’s flows for the deregistration delay, then ends them', async () => {
    const draining = await open('draining', 60, '127.0.3.6');
    const onT1 = draining.byTarget.t1;
    expect(onT1).toBeGreaterThan(0);

    const deregisteredAt = Date.now();
    await standIn.request({ type: 'deregister', id: 't1' });
    await appliedAfter(deregisteredAt, (t) => !t.includes('t1'), 10_000);
    const fresh = await open('fresh', 30, '127.0.3.7');
    expect(fresh.byTarget.t1).toBeUndefined();

    // Still served after deregistration; that they last the whole delay is the firstClosedAt check below
    // (an echo timed just before the delay ends would race the clock on a busy machine).
    expect(await echo('draining')).toEqual({ alive: draining.byTarget, dead: {} });

    const done = await standIn.waitFor((m) => m.type === 'deregistered' && m.id === 't1', DELAY_MS + 20_000);
    expect(Number(done.at) - deregisteredAt).toBeGreaterThanOrEqual(DELAY_MS);
    let status = { open: {} as Counts, closed: {} as Counts, firstClosedAt: 0 };
    for (let i = 0; i < 100 && status.closed.t1 !== onT1; i++) {
      status = await client.request({ type: 'status', group: 'draining' });
      if (status.closed.t1 !== onT1) await sleep(100);
    }
    expect(status.closed).toEqual({ t1: onT1 });
    expect(status.firstClosedAt - deregisteredAt).toBeGreaterThanOrEqual(DELAY_MS);
    const { t1: _, ...others } = draining.byTarget;
    expect(await echo('draining')).toEqual({ alive: others, dead: { t1: onT1 } });
    const t1 = await servers.get('t1')!.request<{ open: number }>({ type: 'stats' });
    expect(t1.open).toBe(0);
  });
});
