import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Call, Ec2State } from '../../../../chaos/ec2/ec2-state';
import { addressMoves } from '../../../../chaos/ec2/moves';
import { startRecorder } from '../../../../chaos/ec2/recording-server';
import { runFailover } from '../../../../runtime/haproxy/failover/run';
import { failoverSettingsFromEnv } from '../../../../runtime/haproxy/failover/settings';
import { VirtualClock } from '../../../helpers/virtual-clock';
import { memoryLogger } from '../helpers/logger';

/**
 * Issue 17, fault 6: the failover program of both sides, run against the EC2 stand-in of chaos/ec2 (real
 * SDK, real HTTP on loopback) in virtual time, with a real process standing in for each side's keepalived
 * VRRP child (its pid file, /proc). Before the fix the two reconcile loops (2 s) moved the VIP and the EIP
 * 16 times in 18 s; the design promises a bounded number of moves, then one owner.
 */
const VIP = '10.0.2.6';
const ALLOCATION = 'eipalloc-0c4a05e1';
const SLEEP = ['/bin/sleep', '/usr/bin/sleep'].find((f) => existsSync(f))!;
const SIDES = {
  a: { eni: 'eni-0aaa0000000000001', ip: '10.0.2.4', priority: 150 },
  b: { eni: 'eni-0bbb0000000000002', ip: '10.0.2.5', priority: 100 },
} as const;
type Name = keyof typeof SIDES;
const peerOf = (n: Name): Name => (n === 'a' ? 'b' : 'a');

describe('two failover programs in a split brain (issue 17, fault 6)', () => {
  let dir: string;
  let clock: VirtualClock;
  let calls: (Ec2Call & { vt: number })[];
  let state: Ec2State;
  let recorder: { port: number; close: () => void };
  let client: EC2Client;
  const keepalived = new Map<Name, ChildProcess>();
  const controller = { current: new AbortController() };
  const logs = { a: memoryLogger(), b: memoryLogger() };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-split-'));
    // A process named keepalived: /proc/<pid>/stat shows the name it was started under.
    symlinkSync(SLEEP, join(dir, 'keepalived'));
    clock = new VirtualClock();
    calls = [];
    state = {
      privateIps: new Map(),
      address: { allocationId: ALLOCATION, publicIp: '198.18.255.1' },
    };
    recorder = await startRecorder('127.0.0.1', state, (call) => calls.push({ ...call, vt: clock.now }));
    client = new EC2Client({
      region: 'eu-west-1',
      endpoint: `http://127.0.0.1:${recorder.port}`,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
      maxAttempts: 1,
    });
    controller.current = new AbortController();
    logs.a = memoryLogger();
    logs.b = memoryLogger();
  });

  afterEach(() => {
    controller.current.abort();
    clock.wakeAll();
    for (const p of keepalived.values()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    keepalived.clear();
    client.destroy();
    recorder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (n: Name) => {
    const own = SIDES[n];
    const peer = SIDES[peerOf(n)];
    return {
      VIP_PRIVATE_IP: VIP,
      VIP_ALLOCATION_ID: ALLOCATION,
      NETWORK_INTERFACE_ID: own.eni,
      VRRP_STATE_FILE: join(dir, `vrrp-${n}.json`),
      KEEPALIVED_VRRP_PID_FILE: join(dir, `keepalived-vrrp-${n}.pid`),
      KEEPALIVED_PRIORITY: String(own.priority),
      PEER_KEEPALIVED_PRIORITY: String(peer.priority),
      OWN_IP: own.ip,
      PEER_IP: peer.ip,
      RECONCILE_SECONDS: '2',
      FAILOVER_CONFIRM_SECONDS: '10',
      AWS_REGION: 'eu-west-1',
    };
  };
  const failover = (n: Name, arg: string) =>
    runFailover([arg], {
      settings: failoverSettingsFromEnv(env(n)),
      client,
      logger: logs[n].logger,
      sleep: clock.sleep,
      random: () => 0.5,
      interfaceId: async () => SIDES[n].eni,
      signal: controller.current.signal,
    });
  const startKeepalived = async (n: Name) => {
    const child = spawn(join(dir, 'keepalived'), ['600'], { stdio: 'ignore' });
    await once(child, 'spawn');
    keepalived.set(n, child);
    writeFileSync(env(n).KEEPALIVED_VRRP_PID_FILE, `${child.pid}\n`);
  };
  /** SIGKILL: no notify runs, the state file keeps saying MASTER. */
  const killKeepalived = async (n: Name) => {
    const child = keepalived.get(n)!;
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  };
  /** Each change of the ENI the private VIP is on, from virtual time `from` on. */
  const moves = (from = 0) =>
    addressMoves(calls.map((c) => ({ ...c, at: c.vt })))
      .moves.filter((m) => m.address === 'private VIP' && m.at >= from)
      .map((m) => ({ vt: m.at, eni: m.to }));
  const owners = () => ({ privateIp: state.privateIps.get(VIP), elasticIp: state.address.eni });
  const events = (n: Name, event: string) => logs[n].lines.filter((l) => l.event === event);

  it("A's keepalived dies without a state change: A's loop stands down, B owns the VIP, 1 move", async () => {
    await startKeepalived('a');
    await startKeepalived('b');
    await clock.spawn(() => failover('b', 'backup'));
    await clock.spawn(() => failover('a', 'master'));
    const loops = [clock.spawn(() => failover('a', '--reconcile'))];
    void clock.at(5_000, () => killKeepalived('a'));
    void clock.at(6_000, async () => {
      await failover('b', 'master');
      loops.push(clock.spawn(() => failover('b', '--reconcile')));
    });
    await clock.run(6_000 + 18_000);

    expect(moves(6_000)).toEqual([{ vt: expect.any(Number), eni: SIDES.b.eni }]);
    expect(owners()).toEqual({ privateIp: SIDES.b.eni, elasticIp: SIDES.b.eni });
    expect(events('a', 'reconcile_idle').at(-1)?.reason).toMatch(/keepalived VRRP process \d+ is gone/);
    controller.current.abort();
    clock.wakeAll();
    await Promise.all(loops);
  });

  it.each([
    ['a', 'b'],
    ['b', 'a'],
  ] as const)(
    'the link between them breaks while %s is MASTER, %s becomes MASTER too: bounded moves, then A keeps the VIP',
    async (first, second) => {
      await startKeepalived('a');
      await startKeepalived('b');
      await clock.spawn(() => failover(second, 'backup'));
      await clock.spawn(() => failover(first, 'master'));
      const loops = [clock.spawn(() => failover(first, '--reconcile'))];
      // VRRP adverts stop crossing: the BACKUP becomes MASTER too; the MASTER never leaves MASTER.
      void clock.at(6_000, async () => {
        await failover(second, 'master');
        loops.push(clock.spawn(() => failover(second, '--reconcile')));
      });
      await clock.run(6_000 + 180_000);

      const all = moves(6_000);
      expect(all.length).toBeGreaterThanOrEqual(1); // the split was real: the second MASTER's notify moved it
      expect(all.length).toBeLessThanOrEqual(4);
      expect(all.at(-1)!.vt).toBeLessThan(6_000 + 30_000);
      // A has the higher priority: VRRP keeps A as MASTER when the two hear each other again.
      expect(owners()).toEqual({ privateIp: SIDES.a.eni, elasticIp: SIDES.a.eni });
      expect(events('b', 'vip_contested')).toHaveLength(1);
      expect(events('a', 'vip_contested')).toHaveLength(0);

      // The link is back: B hears A's higher-priority adverts and becomes BACKUP; nothing moves.
      void clock.at(clock.now + 1_000, () => failover('b', 'backup'));
      await clock.run(clock.now + 60_000);
      expect(moves(6_000)).toEqual(all);
      controller.current.abort();
      clock.wakeAll();
      await Promise.all(loops);
    },
  );

  it('a VIP taken by a spell of the peer that ends (keepalived#950) is taken back once', async () => {
    await startKeepalived('a');
    await startKeepalived('b');
    await clock.spawn(() => failover('a', 'backup'));
    await clock.spawn(() => failover('b', 'master'));
    const loop = clock.spawn(() => failover('b', '--reconcile'));
    // A is MASTER for a moment: its notify takes the VIP, then it hears B and is BACKUP again.
    void clock.at(5_000, async () => {
      await failover('a', 'master');
      await failover('a', 'backup');
    });
    await clock.run(60_000);

    expect(moves(5_000).map((m) => m.eni)).toEqual([SIDES.a.eni, SIDES.b.eni]);
    expect(owners()).toEqual({ privateIp: SIDES.b.eni, elasticIp: SIDES.b.eni });
    expect(events('b', 'vip_taken_back')).toHaveLength(1);
    controller.current.abort();
    clock.wakeAll();
    await loop;
  });
});
