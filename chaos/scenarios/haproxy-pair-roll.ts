import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../harness/check';
import { onCleanup } from '../../harness/cleanup';
import { say } from '../../harness/progress';
import { seconds, sleep, until } from '../../harness/stats';
import type { Ec2Call } from '../ec2/ec2-state';
import { addressMoves } from '../ec2/moves';
import type { CloudCommand } from '../ec2/pair-cloud-server';
import {
  firstLine,
  jsonLines,
  pairPrerequisiteMissing,
  scanAndStopWorld,
  spawnWorld,
  worldLog,
} from '../failover/pair';
import {
  BOOT_LIMIT_MS,
  bootInstance,
  PAIR_CLOUD,
  type PairInstance,
  terminateInstance,
} from '../failover/pair-instance';
import { buildTopology, type Side } from '../failover/topology';
import type { Scenario } from '../types';
import { TAKEOVER_LIMIT_MS } from './haproxy-failover';

/**
 * The node's ping interval and the clients' dead-socket timeout. The roll boots two instances' programs on
 * the same two cores as the clients and the node: with scenario 4's 1 s pings and 2.5 s timeout, a client
 * stalled past one ping is dropped by the node (seen at load average 20+), a reconnect the roll did not cause.
 */
const PING_SECONDS = 5;
const DEAD_AFTER_MS = 15_000;
/** Sampled every 100 ms: keepalived's stop (priority 0 advert, then the VIP removed) spans a few samples at most. */
const OVERLAP_LIMIT_MS = 1_000;

interface WorldLine {
  open: number;
  closes: number;
  reopens: number;
  mostReopensOfOne: number;
}

/** A change of which side's kernel holds the VIP (keepalived's virtual_ipaddress), sampled. */
interface Holder {
  at: number;
  who: string;
}

/**
 * 18. An update rolls the real HAProxy + Keepalived pair as Auto Scaling does on AWS (decision 0135): a new
 * launch template version, both one-instance groups terminate their instance at once (CloudFormation updates
 * the two groups in parallel), each instance's lifecycle program (runtime/haproxy/lifecycle) decides when its
 * termination hook completes, and each replacement boots in its side's namespace and completes its launch
 * hook once it serves. The standby must leave first, the active only after the standby's replacement is in
 * service; the VIP moves once; the clients through it reconnect at most once and none is lost.
 */
export const haproxyPairRoll: Scenario = {
  number: 18,
  id: 'haproxy-pair-roll',
  title: 'HAProxy pair rolled one side at a time',
  async run({ quick, ledger }) {
    const missing = pairPrerequisiteMissing();
    if (missing) return { figure: '', checks: [], metrics: {}, missing };
    const clients = quick ? 30 : 500;
    const dir = mkdtempSync(join(tmpdir(), 'wslb-chaos-roll-'));
    const t = await buildTopology();
    const children: ChildProcess[] = [];
    const live: Partial<Record<Side['name'], PairInstance>> = {};
    const everyInstance: PairInstance[] = [];
    const unregister = onCleanup(
      'pair roll namespaces',
      async () => t.remove(),
      () => t.remove(),
    );
    let sampler: NodeJS.Timeout | undefined;
    try {
      const cloudProcess = spawnWorld(
        t,
        dir,
        children,
        'chaos/ec2/pair-cloud-server.ts',
        t.worldAddr,
        PAIR_CLOUD.launchHook,
        PAIR_CLOUD.terminateHook,
        PAIR_CLOUD.groups.a,
        PAIR_CLOUD.groups.b,
      );
      const lines = jsonLines(cloudProcess) as Array<Record<string, unknown>>;
      const cloudReady = await firstLine<{ port: number }>(
        cloudProcess,
        lines,
        'the cloud stand-in',
        worldLog(dir, 'chaos/ec2/pair-cloud-server.ts'),
      );
      const cloud = { host: t.worldAddr, port: cloudReady.port };
      const calls = () => lines.filter((l) => 'action' in l) as unknown as Ec2Call[];
      const command = async (c: CloudCommand) => {
        const before = lines.filter((l) => 'done' in l).length;
        cloudProcess.stdin?.write(`${JSON.stringify(c)}\n`);
        if (!(await until(() => lines.filter((l) => 'done' in l).length > before, 10_000, 20)))
          throw new Error(`the cloud stand-in did not apply ${JSON.stringify(c)}`);
      };
      const completion = (id: string, hook: string) =>
        calls().find(
          (c) =>
            c.action === 'CompleteLifecycleAction' &&
            c.status === 200 &&
            c.params.InstanceId === id &&
            c.params.LifecycleHookName === hook,
        );

      const worldProcess = spawnWorld(
        t,
        dir,
        children,
        'chaos/failover/world-wslb.ts',
        t.vip,
        '9000',
        String(clients),
        String(DEAD_AFTER_MS),
        '900000',
        String(PING_SECONDS),
      );
      const fleet = jsonLines(worldProcess);
      const world = await firstLine<{ ready: boolean; runDir: string; password: string }>(
        worldProcess,
        fleet,
        'the world namespace (wslb)',
        worldLog(dir, 'chaos/failover/world-wslb.ts'),
      );
      if (!world?.ready) throw new Error(`the world namespace did not start wslb: ${JSON.stringify(world)}`);
      const backend = { host: t.worldAddr, port: 9000 };
      const launch = async (side: Side, id: string) => {
        await command({ op: 'launch', group: PAIR_CLOUD.groups[side.name], id });
        const instance = bootInstance(t, side, id, backend, cloud, dir);
        live[side.name] = instance;
        everyInstance.push(instance);
        return instance;
      };

      // The first deploy: each group launches its instance; each completes its launch hook once ready.
      const first = await Promise.all(t.sides.map((side) => launch(side, `i-${side.name}1`)));
      const booted = await until(
        () => first.every((i) => completion(i.id, PAIR_CLOUD.launchHook)) && t.sides.some(t.holdsVip),
        BOOT_LIMIT_MS,
        200,
      );
      if (!booted) throw new Error(`the first instances did not come into service: ${logTail(dir, first)}`);
      // The elected side's failover program claims the VIP in EC2 too.
      await until(
        () => calls().some((c) => c.action === 'AssociateAddress' && c.status === 200),
        30_000,
        100,
      );
      const active = first.find((i) => t.holdsVip(i.side))!;
      const standby = first.find((i) => i !== active)!;
      say(`  ${active.id} (side ${active.side.name}) is MASTER; ${clients} clients connect through the VIP`);
      worldProcess.stdin?.write('open\n');
      const last = () =>
        (fleet[fleet.length - 1] ?? { open: 0, closes: 0, reopens: 0, mostReopensOfOne: 0 }) as WorldLine;
      const opened = await until(() => last().open === clients, 60_000, 100);
      if (!opened) throw new Error(`only ${last().open}/${clients} clients opened before the roll`);

      // The update: a new launch template version; CloudFormation updates both groups at once, and each
      // group's rolling update (break before make) terminates its one instance.
      const holders: Holder[] = [];
      const sample = () => {
        const who = t.sides.filter((s) => holdsVipQuietly(t, s)).map((s) => s.name);
        const now = who.join('+') || 'none';
        if (holders.at(-1)?.who !== now) holders.push({ at: Date.now(), who: now });
      };
      sample();
      sampler = setInterval(sample, 100);
      const rollStart = Date.now();
      const callsBefore = calls().length;
      say('  launch template version 2: both groups terminate their instance');
      await command({ op: 'version', version: '2' });
      for (const instance of first) await command({ op: 'terminate', id: instance.id });

      // Auto Scaling: an instance whose termination hook completed is terminated, then replaced.
      const events: string[] = [];
      const replacements: PairInstance[] = [];
      const rollDeadline = Date.now() + 2 * BOOT_LIMIT_MS;
      while (replacements.length < 2 && Date.now() < rollDeadline) {
        for (const old of first) {
          if (replacements.some((r) => r.side.name === old.side.name)) continue;
          if (!completion(old.id, PAIR_CLOUD.terminateHook)) continue;
          events.push(`${old.id} terminated`);
          await terminateInstance(old);
          await command({ op: 'remove', id: old.id });
          const next = await launch(old.side, `i-${old.side.name}2`);
          replacements.push(next);
          events.push(`${next.id} launched`);
        }
        for (const r of replacements) {
          const label = `${r.id} in service`;
          if (!events.includes(label) && completion(r.id, PAIR_CLOUD.launchHook)) events.push(label);
        }
        await sleep(200);
      }
      const inService = await until(
        () => replacements.length === 2 && replacements.every((r) => completion(r.id, PAIR_CLOUD.launchHook)),
        BOOT_LIMIT_MS,
        200,
      );
      for (const r of replacements) {
        const label = `${r.id} in service`;
        if (!events.includes(label) && completion(r.id, PAIR_CLOUD.launchHook)) events.push(label);
      }
      const rollMs = Date.now() - rollStart;
      // Every client came through the old active side: each must notice the hand-over (the old side's close,
      // or silence past DEAD_AFTER_MS) and be back through the new one.
      const back = await until(
        () => last().open === clients && last().reopens >= clients,
        DEAD_AFTER_MS + 90_000,
        100,
      );
      await sleep(3_000);
      sample();
      clearInterval(sampler);
      sampler = undefined;

      const rollCalls = calls().slice(callsBefore);
      const { moves } = addressMoves(rollCalls, {
        privateVip: active.side.eni,
        elasticIp: active.side.eni,
      });
      const vipMoves = moves.filter((m) => m.address === 'private VIP');
      const eipMoves = moves.filter((m) => m.address === 'Elastic IP');
      // keepalived sends priority 0 before it removes the VIP: both may hold it for an instant.
      const sideChanges = holders
        .filter((h) => h.who === 'a' || h.who === 'b')
        .filter((h, i, all) => i > 0 && all[i - 1]!.who !== h.who).length;
      const lasting = (who: (h: Holder) => boolean) =>
        Math.max(0, ...holders.map((h, i) => (who(h) ? (holders[i + 1]?.at ?? Date.now()) - h.at : 0)));
      const longestGapMs = lasting((h) => h.who === 'none');
      const longestOverlapMs = lasting((h) => h.who.includes('+'));
      const at = (label: string) => events.indexOf(label);
      const standbyFirst =
        at(`${standby.id} terminated`) >= 0 &&
        at(`${active.id} terminated`) > at(`${standby.id} terminated`) &&
        at(`${active.id} terminated`) > at(`i-${standby.side.name}2 in service`);
      const finalHolders = t.sides.filter((s) => t.holdsVip(s)).map((s) => s.name);
      const newMaster = replacements.find((r) => r.side.name === standby.side.name);

      // The world's last report before it stops (stopping closes every client).
      const final = last();
      await scanAndStopWorld(ledger, 'haproxy-pair-roll', dir, world, worldProcess);
      return {
        figure: `rolled in ${seconds(rollMs)}: ${events.join(', ')}; VIP moved ${vipMoves.length}x; ${final.open}/${clients} clients, at most ${final.mostReopensOfOne} reconnect each`,
        checks: [
          check(
            'the standby left first; the active only after the standby’s replacement was in service',
            standbyFirst,
            events.join(', '),
          ),
          check(
            'both sides replaced, the replacements in service (launch hooks completed)',
            inService,
            replacements.map((r) => r.id).join(', ') || 'none',
          ),
          check(
            'the VIP moved at most once (EC2: private VIP and Elastic IP; keepalived: the holding side)',
            vipMoves.length <= 1 && eipMoves.length <= 1 && sideChanges <= 1,
            `private VIP ${vipMoves.length}, Elastic IP ${eipMoves.length}, holder changes ${sideChanges}: ${holders.map((h) => h.who).join(' > ')}`,
          ),
          check(
            `never both down: no moment without a VIP holder longer than ${TAKEOVER_LIMIT_MS / 1000} s; two holders only in the handover instant (<= ${OVERLAP_LIMIT_MS} ms)`,
            longestGapMs <= TAKEOVER_LIMIT_MS && longestOverlapMs <= OVERLAP_LIMIT_MS,
            `longest gap ${longestGapMs} ms, longest overlap ${longestOverlapMs} ms`,
          ),
          check(
            `after the roll, exactly one holder: the standby's replacement (${newMaster?.id ?? '?'})`,
            finalHolders.length === 1 && finalHolders[0] === standby.side.name,
            finalHolders.join(',') || 'none',
          ),
          check(
            'clients lost 0; each reconnected at most once',
            back && final.open === clients && final.mostReopensOfOne <= 1,
            `${final.open}/${clients} open, ${final.reopens} reopens, at most ${final.mostReopensOfOne} of one client`,
          ),
        ],
        metrics: {
          clients,
          rollMs,
          events,
          holders: holders.map((h) => ({ ms: h.at - rollStart, who: h.who })),
          longestGapMs,
          longestOverlapMs,
          moves,
          writes: rollCalls
            .filter((c) => !c.action.startsWith('Describe'))
            .map(
              (c) => `${c.action}(${c.params.InstanceId ?? c.params.NetworkInterfaceId ?? ''}) ${c.status}`,
            ),
        },
      };
    } finally {
      if (sampler) clearInterval(sampler);
      await Promise.all(everyInstance.map((i) => terminateInstance(i)));
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      t.remove();
      unregister();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** holdsVip, answering false while a namespace operation fails (the side is being replaced). */
function holdsVipQuietly(t: Awaited<ReturnType<typeof buildTopology>>, side: Side): boolean {
  try {
    return t.holdsVip(side);
  } catch {
    return false;
  }
}

/** The last lines of each instance's lifecycle logs, for an error message. */
function logTail(dir: string, instances: readonly PairInstance[]): string {
  return instances
    .map((i) => {
      const file = join(dir, `lifecycle-${i.id}-ready.log`);
      const text = existsSync(file)
        ? readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n')
        : 'no log';
      return `${i.id}: ${text}`;
    })
    .join('\n');
}
