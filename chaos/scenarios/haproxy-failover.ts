import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { check } from '../../harness/check';
import { onCleanup } from '../../harness/cleanup';
import { say } from '../../harness/progress';
import { seconds, sleep, until } from '../../harness/stats';
import {
  failoverEnv,
  firstLine,
  jsonLines,
  pairPrerequisiteMissing,
  REPO_ROOT,
  scanAndStopWorld,
  spawnWorld,
  startEc2StandIn,
  startPair,
  startReconcile,
  tsx,
  worldLog,
} from '../failover/pair';
import { buildTopology } from '../failover/topology';
import type { Scenario } from '../types';

export const TAKEOVER_LIMIT_MS = 3_000;

/**
 * 4. The rendered HAProxy + Keepalived pair in namespaces; the master's link goes down; the backup takes the
 * VIP, its notify_master runs the failover program against an EC2 stand-in; clients come back through it.
 */
export const haproxyFailover: Scenario = {
  number: 4,
  id: 'haproxy-failover',
  title: 'HAProxy failover for real',
  async run({ quick, ledger }) {
    const missing = pairPrerequisiteMissing();
    if (missing) return { figure: '', checks: [], metrics: {}, missing };
    const clients = quick ? 50 : 500;
    const dir = mkdtempSync(join(tmpdir(), 'wslb-chaos-pair-'));
    const t = await buildTopology();
    const children: ChildProcess[] = [];
    const unregister = onCleanup(
      'failover namespaces',
      async () => t.remove(),
      () => t.remove(),
    );
    try {
      const [a] = t.sides;
      const { port: ec2Port, calls } = await startEc2StandIn(t, dir, children);
      const worldProcess = spawnWorld(
        t,
        dir,
        children,
        'chaos/failover/world-wslb.ts',
        t.vip,
        '9000',
        String(clients),
      );
      const fleet = jsonLines(worldProcess);
      const world = await firstLine<{
        ready: boolean;
        runDir: string;
        password: string;
        deadAfterMs: number;
      }>(worldProcess, fleet, 'the world namespace (wslb)', worldLog(dir, 'chaos/failover/world-wslb.ts'));
      if (!world?.ready) throw new Error(`the world namespace did not start wslb: ${JSON.stringify(world)}`);
      children.push(...startPair(t, { host: t.worldAddr, port: 9000 }, ec2Port, dir));
      const notified = () =>
        existsSync(join(dir, 'notify.log')) ? readFileSync(join(dir, 'notify.log'), 'utf8') : '';
      // Both start BACKUP with nopreempt: a (150) wins on an idle machine, whichever keepalived times out first
      // on a loaded one; the scenario follows the side that won.
      const elected = await until(
        () => t.sides.some((s) => t.holdsVip(s) && new RegExp(` ${s.name} master`).test(notified())),
        60_000,
        100,
      );
      const first = t.sides.find((s) => t.holdsVip(s)) ?? a;
      const second = t.sides.find((s) => s !== first)!;
      say(
        `  ${elected ? `${first.name} is MASTER with the VIP` : 'no election'}; ${clients} product clients log in through auth, then ws://${t.vip}:8000`,
      );
      worldProcess.stdin?.write('open\n');
      const last = () =>
        (fleet[fleet.length - 1] ?? { open: 0, closes: 0, reopens: 0 }) as {
          open: number;
          closes: number;
          reopens: number;
        };
      await until(() => last().open === clients, 30_000, 100);
      await until(() => calls().filter((c) => c.action.startsWith('Describe')).length >= 2, 20_000, 100);
      const before = calls().length;

      say(`  ip link set eth0 down on ${first.name} (the master)`);
      const t0 = Date.now();
      t.linkDown(first);
      const tookOver = await until(() => t.holdsVip(second), 15_000, 25);
      const takeoverMs = Date.now() - t0;
      const moved = await until(
        () =>
          calls()
            .slice(before)
            .some((c) => c.action === 'AssociateAddress'),
        30_000,
        100,
      );
      const ec2Ms = Date.now() - t0;
      const back = await until(() => last().open === clients && last().reopens >= clients, 30_000, 100);
      // The fleet as the rule judged it: by the report, the link is back and the stale move is done.
      const backFleet = last();
      const backMs = Date.now() - t0;
      const writes = calls()
        .slice(before)
        .filter((c) => !c.action.startsWith('Describe'))
        .map(
          (c) =>
            `${c.action}(${c.params.NetworkInterfaceId}, ${c.params['PrivateIpAddress.1'] ?? c.params.PrivateIpAddress ?? ''}${c.params.AllocationId ? `, ${c.params.AllocationId}` : ''})`,
        );
      const expected = [
        `AssignPrivateIpAddresses(${second.eni}, ${t.vip})`,
        `AssociateAddress(${second.eni}, ${t.vip}, eipalloc-0c4a05e1)`,
      ];

      say(`  link back up on ${first.name}`);
      t.linkUp(first);
      await sleep(6_000);
      const masters = t.sides.filter((s) => t.holdsVip(s)).map((s) => s.name);

      // A stale notify on the old master (keepalived#950) pulls the VIP away; the new master's reconcile loop
      // must take it back.
      const beforeReconcile = calls().length;
      const run = (side: typeof first, args: string[], stateFile?: string) =>
        promisify(execFile)(
          'ip',
          ['netns', 'exec', side.ns, ...tsx('runtime/haproxy/failover/main.ts', ...args).flat()],
          {
            cwd: REPO_ROOT,
            env: { ...process.env, ...failoverEnv(side, t, ec2Port, dir, stateFile) },
            timeout: 60_000,
          },
        ).catch((err: Error & { stderr?: string; signal?: string }) => {
          // The program's own words (JSON lines on stderr) say why it failed; execFile's message does not.
          throw new Error(
            `failover ${args.join(' ')} on ${side.name} failed (${err.signal ?? 'exit'}): ${err.stderr?.slice(-2000)}`,
          );
        });
      await run(first, ['master'], join(dir, `stale-${first.name}.json`));
      await sleep(300);
      const stolen = calls()
        .slice(beforeReconcile)
        .filter((c) => !c.action.startsWith('Describe')).length;
      const beforeLoop = calls().length;
      const loop = startReconcile(second, t, ec2Port, dir);
      children.push(loop);
      const reasserted = await until(
        () =>
          calls()
            .slice(beforeLoop)
            .filter((c) => c.action === 'AssociateAddress' && c.params.NetworkInterfaceId === second.eni)
            .length > 0,
        20_000,
        100,
      );
      loop.kill('SIGTERM');
      await scanAndStopWorld(ledger, 'haproxy-failover', dir, world, worldProcess);
      return {
        figure: `backup MASTER ${seconds(takeoverMs)} after link loss; EC2 moved by ${seconds(ec2Ms)}; ${clients} clients back through ${second.name} by ${seconds(backMs)}`,
        checks: [
          check('one side elected MASTER and held the VIP first', elected, `${first.name}: ${elected}`),
          check(
            `the backup became MASTER within ${TAKEOVER_LIMIT_MS / 1000} s of the link loss`,
            tookOver && takeoverMs <= TAKEOVER_LIMIT_MS,
            `${takeoverMs} ms`,
          ),
          check(
            'its notify_master made exactly the expected EC2 writes',
            moved && JSON.stringify(writes) === JSON.stringify(expected),
            writes.join('; ') || 'none',
          ),
          check(
            'every client reconnected through the new master',
            back,
            `${backFleet.open}/${clients} open, ${backFleet.reopens} reopens ${seconds(backMs)} after the link loss`,
          ),
          check(
            `exactly one MASTER after the link is back (${second.name}, nopreempt)`,
            masters.length === 1 && masters[0] === second.name,
            masters.join(',') || 'none',
          ),
          check(
            `reconcile on ${second.name} took the VIP back after a stale move to ${first.name}`,
            stolen > 0 && reasserted,
            `${stolen} stale writes, re-asserted ${reasserted}`,
          ),
        ],
        metrics: {
          clients,
          takeoverMs,
          ec2Ms,
          backMs,
          writes,
          masters,
          calls: calls(),
          notify: readFileSync(join(dir, 'notify.log'), 'utf8').trim().split('\n'),
        },
      };
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      t.remove();
      unregister();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
