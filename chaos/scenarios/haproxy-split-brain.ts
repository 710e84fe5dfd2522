import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../harness/check';
import { onCleanup } from '../../harness/cleanup';
import { say } from '../../harness/progress';
import { seconds, sleep, until } from '../../harness/stats';
import { addressMoves } from '../ec2/moves';
import {
  ALLOCATION_ID,
  killKeepalived,
  pairPrerequisiteMissing,
  reconcileStarted,
  startEc2StandIn,
  startKeepalived,
  startPair,
  startReconcile,
} from '../failover/pair';
import { buildTopology, type Side } from '../failover/topology';
import { readLogs } from '../harness/secret-ledger';
import type { Scenario } from '../types';

/** The issue's loop interval (30 s in production). */
const RECONCILE_SECONDS = 2;
/** The design's bound on moves while the pair cannot hear each other: see failover/reconcile.ts. */
export const SPLIT_MOVE_LIMIT = 4;

/**
 * 10. Issue 17, fault 6: both reconcile loops on, against the EC2 stand-in, through two kinds of split.
 * (1) The MASTER's keepalived dies without a state change (stopped, then killed: no notify, no priority-0
 * advert): the other side becomes MASTER and moves the VIP; the dead side's loop must not take it back.
 * (2) keepalived back on that side, then everything between the two is dropped (blackhole routes, both
 * still reach EC2): both are MASTER; the moves must stop after a few, on the side VRRP keeps once the two
 * hear each other again (a, priority 150). (3) Rejoined: one MASTER, and it holds the VIP, with no move.
 * Figure: VIP moves in each window.
 */
export const haproxySplitBrain: Scenario = {
  number: 10,
  id: 'haproxy-split-brain',
  title: 'HAProxy pair split brain: bounded VIP moves, then one owner',
  async run({ quick, ledger }) {
    const missing = pairPrerequisiteMissing();
    if (missing) return { figure: '', checks: [], metrics: {}, missing };
    const windowMs = quick ? 12_000 : 40_000;
    const dir = mkdtempSync(join(tmpdir(), 'wslb-chaos-split-'));
    const t = await buildTopology();
    const children: ChildProcess[] = [];
    const unregister = onCleanup(
      'split-brain namespaces',
      async () => t.remove(),
      () => t.remove(),
    );
    try {
      const [a] = t.sides;
      const nameOf = (eni?: string) => t.sides.find((s) => s.eni === eni)?.name ?? 'nobody';
      const ec2 = await startEc2StandIn(t, dir, children);
      const history = () => addressMoves(ec2.calls(), { privateVip: a.eni, elasticIp: a.eni });
      const vipMoves = (from: number) =>
        history().moves.filter((m) => m.address === 'private VIP' && m.at >= from);
      const owner = () => {
        const o = history().owner;
        return o['private VIP'] === o['Elastic IP'] ? nameOf(o['private VIP']) : 'split (VIP ≠ EIP)';
      };
      const notified = () => {
        const file = join(dir, 'notify.log');
        return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
      };
      const saidSince = (n: number, line: string) =>
        notified()
          .slice(n)
          .some((l) => l.endsWith(line));

      // The loops first: they idle until keepalived runs, and their start (Node, the SDK) does not compete
      // with the pair's election on a busy machine.
      for (const side of t.sides) {
        children.push(
          startReconcile(side, t, ec2.port, dir, { RECONCILE_SECONDS: String(RECONCILE_SECONDS) }),
        );
      }
      const loopsOn = await until(() => t.sides.every((s) => reconcileStarted(s, dir)), 180_000);
      if (!loopsOn) {
        const logs = readLogs(dir);
        const tails = t.sides.map(
          (s) => `${s.name}: ${(logs[`reconcile-${s.name}.log`] ?? '').slice(-600) || '(empty)'}`,
        );
        throw new Error(`the reconcile loops did not start within 180 s\n${tails.join('\n')}`);
      }
      // HAProxy's own /health answers without any node, so the pair needs no backend here.
      children.push(...startPair(t, { host: t.worldAddr, port: 9 }, ec2.port, dir));
      const elected = await until(
        () => t.sides.some((s) => t.holdsVip(s) && saidSince(0, `${s.name} master`)),
        120_000,
      );
      if (!elected) throw new Error(`no keepalived became MASTER: ${notified().join('; ')}`);
      // With nopreempt either side may win the start on a loaded machine; the scenario works from either.
      const first = t.sides.find((s) => t.holdsVip(s))!;
      const second = t.sides.find((s) => s !== first)!;
      if (!(await until(() => owner() === first.name, 60_000))) {
        throw new Error(`${first.name}'s notify did not move the VIP to it within 60 s`);
      }
      // On a loaded machine both sides may start as MASTER and each move the VIP before VRRP settles it:
      // that is keepalived's election, not a fault. The rule counts moves only once one side holds the VIP.
      if (!(await until(() => !t.holdsVip(second), 60_000))) {
        throw new Error(`${second.name} still held the VIP 60 s after ${first.name} won the election`);
      }
      const electionMoves = vipMoves(0).length;
      const settledFrom = Date.now();
      await sleep(2 * RECONCILE_SECONDS * 1000);
      const settledMoves = vipMoves(settledFrom).length;
      say(`  ${first.name} is MASTER with the VIP; both reconcile loops on (${RECONCILE_SECONDS} s)`);

      say(`  (1) ${first.name}'s keepalived stopped and killed: no notify, no priority-0 advert`);
      const t1 = Date.now();
      killKeepalived(first, dir);
      // The window starts when the new MASTER's notify has moved the VIP: a slow start is not a move.
      const tookOver = await until(() => vipMoves(t1).length > 0, 60_000);
      const takeoverMs = Date.now() - t1;
      await sleep(windowMs);
      const killed = vipMoves(t1);
      const killedOwner = owner();

      say(`  (2) keepalived back on ${first.name} (BACKUP), then nothing crosses between a and b`);
      const n = notified().length;
      children.push(startKeepalived(first, dir));
      const backup = await until(() => saidSince(n, `${first.name} backup`), 30_000);
      const t2 = Date.now();
      t.separate();
      const bothMaster = await until(() => t.sides.every((s) => t.holdsVip(s)), 15_000);
      await until(() => vipMoves(t2).length > 0, 60_000);
      const cutFrom = Date.now();
      await sleep(windowMs);
      const cut = vipMoves(t2);
      const cutOwner = owner();
      const cutLateMoves = cut.filter((m) => m.at > cutFrom + windowMs / 2).length;

      say('  (3) rejoined');
      const t3 = Date.now();
      t.rejoin();
      const oneMaster = await until(() => t.sides.filter((s) => t.holdsVip(s)).length === 1, 15_000);
      await sleep(windowMs / 2);
      const masters = t.sides.filter((s) => t.holdsVip(s)).map((s) => s.name);
      const rejoined = vipMoves(t3);
      const rejoinedOwner = owner();

      const describe = (moves: typeof killed, from: number) =>
        moves.map((m) => `${seconds(m.at - from)} → ${nameOf(m.to)}`).join(', ') || 'none';
      const logs = readLogs(dir, 'haproxy-split-brain/');
      ledger.scan(logs, { 'EC2 secret key (fake)': 'chaos-not-a-secret' });
      const events = (side: Side, event: string) =>
        (logs[`haproxy-split-brain/reconcile-${side.name}.log`] ?? '')
          .split('\n')
          .filter((l) => l.includes(`"event":"${event}"`)).length;
      return {
        figure:
          `keepalived killed: ${killed.length} VIP move (taken over in ${seconds(takeoverMs)}), then ${seconds(windowMs)} ` +
          `with one owner; VRRP cut: ${cut.length} moves ` +
          `(last at ${cut.length ? seconds(cut.at(-1)!.at - t2) : '-'}), then one owner (${cutOwner}); ` +
          `rejoined: ${rejoined.length} moves, ${masters.join(',')} MASTER`,
        checks: [
          check(
            `keepalived killed on ${first.name}: 1 move (${second.name}'s notify), then ${second.name} keeps it`,
            tookOver && killed.length === 1 && killedOwner === second.name,
            `${describe(killed, t1)}; owner ${killedOwner} ${seconds(windowMs)} after`,
          ),
          check(
            'VRRP cut: both became MASTER (the split was real)',
            backup && bothMaster,
            `${first.name} back as BACKUP ${backup}; both MASTER ${bothMaster}`,
          ),
          check(
            `VRRP cut: at most ${SPLIT_MOVE_LIMIT} moves, none in the second half of the window, owner a`,
            cut.length <= SPLIT_MOVE_LIMIT && cutLateMoves === 0 && cutOwner === 'a',
            `${describe(cut, t2)}; owner ${cutOwner}`,
          ),
          check(
            'rejoined: one MASTER, it holds the VIP at EC2 too, no move',
            oneMaster && masters.length === 1 && masters[0] === rejoinedOwner && rejoined.length === 0,
            `MASTER ${masters.join(',') || 'none'}; owner ${rejoinedOwner}; ${rejoined.length} moves`,
          ),
          check(
            'no move once the pair settled, before the faults',
            settledMoves === 0,
            `${settledMoves} moves in the ${2 * RECONCILE_SECONDS} s after the election (${electionMoves} during it)`,
          ),
        ],
        metrics: {
          windowMs,
          electionMoves,
          takeoverMs,
          reconcileSeconds: RECONCILE_SECONDS,
          first: first.name,
          moves: {
            killed: killed.map((m) => ({ ms: m.at - t1, to: nameOf(m.to) })),
            cut: cut.map((m) => ({ ms: m.at - t2, to: nameOf(m.to) })),
            rejoined: rejoined.map((m) => ({ ms: m.at - t3, to: nameOf(m.to) })),
          },
          contested: Object.fromEntries(t.sides.map((s) => [s.name, events(s, 'vip_contested')])),
          takenBack: Object.fromEntries(t.sides.map((s) => [s.name, events(s, 'vip_taken_back')])),
          notify: notified(),
          allocationId: ALLOCATION_ID,
        },
      };
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      for (const side of t.sides) killKeepalived(side, dir);
      t.remove();
      unregister();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
