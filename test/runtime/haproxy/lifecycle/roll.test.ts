import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandOutput,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { writeVrrpState } from '../../../../runtime/haproxy/failover/state-file';
import { LifecycleAction } from '../../../../runtime/haproxy/lifecycle/lifecycle-action';
import {
  announceReady,
  handOver,
  type RollDeps,
  watchTermination,
} from '../../../../runtime/haproxy/lifecycle/roll';
import { lifecycleSettingsFromEnv } from '../../../../runtime/haproxy/lifecycle/settings';
import { ec2Error } from '../helpers/ec2';
import { memoryLogger } from '../helpers/logger';

const SELF = 'i-0aaa';
const GROUP = 'wslb-haproxy-pair-a';
const PEER_GROUP = 'wslb-haproxy-pair-b';

/** The two groups as DescribeAutoScalingGroups returns them: this side launches `target`, the peer holds `peers`. */
const groups = (
  target: string,
  peers: { id: string; state: string; version: string; health?: string }[],
): Partial<DescribeAutoScalingGroupsCommandOutput> => ({
  AutoScalingGroups: [
    {
      AutoScalingGroupName: GROUP,
      LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: target },
      Instances: [
        {
          InstanceId: SELF,
          LifecycleState: 'Terminating:Wait',
          HealthStatus: 'Healthy',
          AvailabilityZone: 'eu-west-1a',
          ProtectedFromScaleIn: false,
          LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: '1' },
        },
      ],
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      DefaultCooldown: 300,
      AvailabilityZones: ['eu-west-1a'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(0),
    },
    {
      AutoScalingGroupName: PEER_GROUP,
      LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: target },
      Instances: peers.map((p) => ({
        InstanceId: p.id,
        LifecycleState: p.state as 'InService',
        HealthStatus: p.health ?? 'Healthy',
        AvailabilityZone: 'eu-west-1b',
        ProtectedFromScaleIn: false,
        LaunchTemplate: { LaunchTemplateId: 'lt-1', Version: p.version },
      })),
      MinSize: 1,
      MaxSize: 1,
      DesiredCapacity: 1,
      DefaultCooldown: 300,
      AvailabilityZones: ['eu-west-1b'],
      HealthCheckType: 'EC2',
      CreatedTime: new Date(0),
    },
  ],
});

describe('the pair rolls standby first: lifecycle program', () => {
  const client = new AutoScalingClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
  });
  const asg = mockClient(client);
  let dir: string;
  let stateFile: string;
  let clock: number;
  let events: string[];

  const deps = (overrides: Partial<RollDeps> = {}) => {
    const log = memoryLogger();
    const settings = lifecycleSettingsFromEnv({
      PAIR_GROUP: GROUP,
      PEER_GROUP,
      LAUNCH_HOOK: 'wslb-pair-launch',
      TERMINATE_HOOK: 'wslb-pair-terminate',
      VRRP_STATE_FILE: stateFile,
      LIFECYCLE_POLL_SECONDS: '5',
      HEARTBEAT_SECONDS: '60',
      READY_TIMEOUT_SECONDS: '30',
      HANDOVER_CONFIRM_SECONDS: '10',
    });
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const d: RollDeps = {
      settings,
      autoscaling: client,
      action: new LifecycleAction({
        client,
        group: GROUP,
        instanceId: SELF,
        logger: log.logger,
        retry: { maxAttempts: 3, sleep, random: () => 0.5 },
      }),
      logger: log.logger,
      targetLifecycleState: async () => 'Terminated',
      vipHeldHere: async () => false,
      healthy: async () => true,
      release: async () => {
        events.push(`release@${clock / 1000}`);
      },
      sleep,
      now: () => clock,
      ...overrides,
    };
    return { d, log };
  };
  const completions = () =>
    asg.commandCalls(CompleteLifecycleActionCommand).map((c) => {
      const i = c.args[0].input;
      return `${i.LifecycleHookName}:${i.LifecycleActionResult}:${i.AutoScalingGroupName}:${i.InstanceId}`;
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-roll-'));
    stateFile = join(dir, 'vrrp-state.json');
    clock = 0;
    events = [];
    asg.on(CompleteLifecycleActionCommand).callsFake(() => {
      events.push(`complete@${clock / 1000}`);
      return {};
    });
  });
  afterEach(() => {
    asg.reset();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => asg.restore());

  test('the standby leaves at once: CONTINUE, no release, no look at the peer', async () => {
    await writeVrrpState(stateFile, 'BACKUP');
    const { d } = deps();
    expect(await handOver(d)).toBe('was-standby');
    expect(completions()).toEqual([`wslb-pair-terminate:CONTINUE:${GROUP}:${SELF}`]);
    expect(events).toEqual(['complete@0']);
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)).toHaveLength(0);
  });

  test('the active waits until the peer is replaced and in service on the new version, then releases, then goes', async () => {
    await writeVrrpState(stateFile, 'MASTER');
    asg
      .on(DescribeAutoScalingGroupsCommand)
      // Both groups roll to version 2; the peer still runs 1 (its group has not reached it yet) …
      .resolvesOnce(groups('2', [{ id: 'i-0bbb', state: 'InService', version: '1' }]))
      .resolvesOnce(groups('2', [{ id: 'i-0bbb', state: 'Terminating:Wait', version: '1' }]))
      .resolvesOnce(groups('2', []))
      .resolvesOnce(groups('2', [{ id: 'i-0ccc', state: 'Pending:Wait', version: '2' }]))
      .resolvesOnce(groups('2', [{ id: 'i-0ccc', state: 'InService', version: '2', health: 'Unhealthy' }]))
      // … then its replacement, launched from 2, completed its launch hook.
      .resolves(groups('2', [{ id: 'i-0ccc', state: 'InService', version: '2' }]));
    asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(() => {
      events.push(`heartbeat@${clock / 1000}`);
      return {};
    });
    let held = 3;
    const { d, log } = deps({ vipHeldHere: async () => held-- > 0 });

    expect(await handOver(d)).toBe('handed-over');
    expect(asg.commandCalls(DescribeAutoScalingGroupsCommand)[0]!.args[0].input).toEqual({
      AutoScalingGroupNames: [GROUP, PEER_GROUP],
    });
    // Five polls of 5 s waiting, one heartbeat once 60 s would pass … not yet at 25 s; release at 25 s,
    // then three 1 s polls until the VIP has left this ENI, then CONTINUE.
    expect(events).toEqual(['release@25', 'complete@28']);
    expect(completions()).toEqual([`wslb-pair-terminate:CONTINUE:${GROUP}:${SELF}`]);
    expect(log.events()).toEqual(
      expect.arrayContaining(['roll_active_waits', 'roll_peer_ready', 'roll_released']),
    );
  });

  test('a long wait keeps the termination hook alive with heartbeats', async () => {
    await writeVrrpState(stateFile, 'MASTER');
    let polls = 0;
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .callsFake(() =>
        ++polls < 40
          ? groups('2', [{ id: 'i-0bbb', state: 'Pending:Wait', version: '2' }])
          : groups('2', [{ id: 'i-0bbb', state: 'InService', version: '2' }]),
      );
    asg.on(RecordLifecycleActionHeartbeatCommand).callsFake(() => {
      events.push(`heartbeat@${clock / 1000}`);
      return {};
    });
    const { d } = deps();
    expect(await handOver(d)).toBe('handed-over');
    // 39 waits of 5 s = 195 s: a heartbeat each time 60 s have passed since the last one.
    expect(events).toEqual(['heartbeat@60', 'heartbeat@120', 'heartbeat@180', 'release@195', 'complete@195']);
  });

  test('the peer taking over while the active waits (keepalived says BACKUP now): leave without a release', async () => {
    await writeVrrpState(stateFile, 'MASTER');
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(groups('2', [{ id: 'i-0bbb', state: 'InService', version: '1' }]));
    const { d } = deps({
      sleep: async (ms) => {
        clock += ms;
        if (clock >= 10_000) await writeVrrpState(stateFile, 'BACKUP');
      },
    });
    expect(await handOver(d)).toBe('peer-took-over');
    expect(events).toEqual(['complete@10']);
  });

  test('a peer failover that never takes the VIP: wait the confirm window, then leave anyway', async () => {
    await writeVrrpState(stateFile, 'MASTER');
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(groups('3', [{ id: 'i-0bbb', state: 'InService', version: '3' }]));
    const { d, log } = deps({ vipHeldHere: async () => true });
    expect(await handOver(d)).toBe('handed-over');
    expect(events).toEqual(['release@0', 'complete@10']);
    expect(log.events()).toContain('roll_vip_still_here');
  });

  test('a failed read of the pair is retried on the next poll; throttled completions are retried', async () => {
    await writeVrrpState(stateFile, 'MASTER');
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .rejectsOnce(ec2Error('Throttling', 400))
      .resolves(groups('2', [{ id: 'i-0bbb', state: 'InService', version: '2' }]));
    asg.on(CompleteLifecycleActionCommand).rejectsOnce(ec2Error('Throttling', 400)).resolves({});
    const { d, log } = deps();
    expect(await handOver(d)).toBe('handed-over');
    expect(asg.commandCalls(CompleteLifecycleActionCommand)).toHaveLength(2);
    expect(log.events()).toEqual(expect.arrayContaining(['pair_view_failed', 'autoscaling_retry']));
  });

  test('no pending action (the hook timed out already) is logged, not thrown', async () => {
    await writeVrrpState(stateFile, 'BACKUP');
    asg.on(CompleteLifecycleActionCommand).rejects(
      Object.assign(ec2Error('ValidationError', 400), {
        message: 'No active Lifecycle Action found with instance ID i-0aaa',
      }),
    );
    const { d, log } = deps();
    expect(await handOver(d)).toBe('was-standby');
    expect(log.events()).toContain('no_lifecycle_action');
  });

  test('watch: nothing until IMDS says Terminated, then the handover', async () => {
    await writeVrrpState(stateFile, 'BACKUP');
    const answers = [undefined, 'InService', 'InService', 'Terminated'];
    const { d } = deps({ targetLifecycleState: async () => answers.shift() });
    expect(await watchTermination(d)).toBe('was-standby');
    expect(events).toEqual(['complete@15']);
  });

  describe('ready', () => {
    test('completes the launch hook once HAProxy serves and keepalived has settled', async () => {
      let checks = 0;
      const { d } = deps({
        // HAProxy answers from the second check on; keepalived settles (notify backup) after 2 s.
        healthy: async () => ++checks >= 2,
        sleep: async (ms) => {
          clock += ms;
          if (clock === 2_000) await writeVrrpState(stateFile, 'BACKUP');
        },
      });
      expect(await announceReady(d)).toBe(true);
      expect(completions()).toEqual([`wslb-pair-launch:CONTINUE:${GROUP}:${SELF}`]);
      expect(events).toEqual(['complete@2']);
    });

    test('abandons the launch when it is not ready in READY_TIMEOUT_SECONDS', async () => {
      const { d } = deps({ healthy: async () => false });
      expect(await announceReady(d)).toBe(false);
      expect(completions()).toEqual([`wslb-pair-launch:ABANDON:${GROUP}:${SELF}`]);
      expect(events).toEqual(['complete@30']);
    });
  });
});
