import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignPrivateIpAddressesCommand, DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { type FailoverDeps, runFailover } from '../../../../runtime/haproxy/failover/run';
import { failoverSettingsFromEnv } from '../../../../runtime/haproxy/failover/settings';
import { writeVrrpState } from '../../../../runtime/haproxy/failover/state-file';
import { ec2Error, fakeEc2Client } from '../helpers/ec2';
import { memoryLogger } from '../helpers/logger';

const ENI = 'eni-0aaa';
const VIP = '10.0.0.100';
const eniWith = (...ips: string[]) => ({
  NetworkInterfaces: [
    { NetworkInterfaceId: ENI, PrivateIpAddresses: ips.map((ip) => ({ PrivateIpAddress: ip })) },
  ],
});

describe('runFailover', () => {
  const client = fakeEc2Client();
  const ec2 = mockClient(client);
  let dir: string;
  let stateFile: string;
  let sleeps: number[];

  const deps = (overrides: Partial<FailoverDeps> = {}) => {
    const log = memoryLogger();
    sleeps = [];
    const d: FailoverDeps = {
      settings: failoverSettingsFromEnv({
        VIP_PRIVATE_IP: VIP,
        VRRP_STATE_FILE: stateFile,
        FAILOVER_MAX_ATTEMPTS: '3',
        FAILOVER_CONFIRM_SECONDS: '3',
        RECONCILE_SECONDS: '30',
      }),
      client,
      logger: log.logger,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      interfaceId: async () => ENI,
      ...overrides,
    };
    return { d, log };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-failover-'));
    stateFile = join(dir, 'run', 'vrrp-state.json');
  });
  afterEach(() => {
    ec2.reset();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => ec2.restore());

  it('notify master: records MASTER, moves the VIP to the ENI from IMDS, exits 0', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(eniWith('10.0.0.5'))
      .resolves(eniWith('10.0.0.5', VIP));
    ec2.on(AssignPrivateIpAddressesCommand).resolves({});
    const { d, log } = deps();

    expect(await runFailover(['master'], d)).toBe(0);
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).state).toBe('MASTER');
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)[0]!.args[0].input).toEqual({
      NetworkInterfaceId: ENI,
      PrivateIpAddresses: [VIP],
      AllowReassignment: true,
    });
    expect(log.lines.find((l) => l.event === 'failover_done')).toMatchObject({
      privateIp: 'moved',
      level: 30,
    });
  });

  it('notify backup/fault/stop: records the state and calls nothing', async () => {
    for (const [arg, state] of [
      ['backup', 'BACKUP'],
      ['fault', 'FAULT'],
      ['stop', 'STOP'],
    ]) {
      expect(await runFailover([arg!], deps().d)).toBe(0);
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).state).toBe(state);
    }
    expect(ec2.calls()).toHaveLength(0);
  });

  it('exits 1 when the VIP cannot be moved, after the retries', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5'));
    ec2.on(AssignPrivateIpAddressesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    const { d, log } = deps();

    expect(await runFailover(['master'], d)).toBe(1);
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(3);
    expect(log.events()).toContain('failover_failed');
  });

  it('exits 2 on an unknown argument', async () => {
    expect(await runFailover(['promote'], deps().d)).toBe(2);
    expect(await runFailover([], deps().d)).toBe(2);
  });

  const master = async () => ({ master: true as const, spell: 'keepalived 42 MASTER since t0' });

  it('reconcile takes the VIP back while MASTER after a missed notify (keepalived#950)', async () => {
    // This side is MASTER; the peer was MASTER for a moment and took the VIP; no notify ran here since.
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(eniWith('10.0.0.5', VIP)) // round 1: ours, nothing to do
      .resolvesOnce(eniWith('10.0.0.5')) // round 2: gone to the peer
      .resolvesOnce(eniWith('10.0.0.5')) // the move's own look before it writes
      .resolves(eniWith('10.0.0.5', VIP)); // confirm, round 3
    ec2.on(AssignPrivateIpAddressesCommand).resolves({});
    const { d, log } = deps({ maxReconcileRounds: 3, keepalived: master });

    expect(await runFailover(['--reconcile'], d)).toBe(0);
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(1);
    expect(sleeps).toEqual([30_000, 30_000]);
    expect(log.events().filter((e) => e === 'vip_moved')).toHaveLength(1);
    expect(log.lines.find((l) => l.event === 'reconcile_stopped')).toMatchObject({ moves: 1, failures: 0 });
  });

  it('reconcile does nothing unless keepalived runs and is MASTER, and survives EC2 errors', async () => {
    // Real probe: no keepalived pid file here, whatever the state file says.
    await writeVrrpState(stateFile, 'MASTER', { keepalivedPid: process.pid });
    const idle = deps({ maxReconcileRounds: 2 });
    expect(await runFailover(['--reconcile'], idle.d)).toBe(0);
    expect(idle.log.lines.find((l) => l.event === 'reconcile_idle')?.reason).toMatch(
      /^no keepalived VRRP pid in /,
    );
    expect(ec2.calls()).toHaveLength(0);

    ec2.on(DescribeNetworkInterfacesCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    const failing = deps({ maxReconcileRounds: 2, keepalived: master });
    expect(await runFailover(['--reconcile'], failing.d)).toBe(0);
    expect(failing.log.events().filter((e) => e === 'reconcile_failed')).toHaveLength(2);
  });

  it('a notify records the keepalived VRRP process that ran it', async () => {
    const pidFile = join(dir, 'keepalived_vrrp.pid');
    writeFileSync(pidFile, '4242\n');
    const { d } = deps({
      settings: failoverSettingsFromEnv({
        VIP_PRIVATE_IP: VIP,
        VRRP_STATE_FILE: stateFile,
        KEEPALIVED_VRRP_PID_FILE: pidFile,
      }),
    });
    expect(await runFailover(['backup'], d)).toBe(0);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({
      state: 'BACKUP',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      keepalivedPid: 4242,
    });
  });

  it('reconcile stops when aborted', async () => {
    const controller = new AbortController();
    const { d } = deps({ signal: controller.signal, sleep: async () => controller.abort() });
    expect(await runFailover(['--reconcile'], d)).toBe(0);
  });
});

describe('failoverSettingsFromEnv', () => {
  it('needs a private VIP, an Elastic IP or an overlay IP, and names every bad variable', () => {
    expect(() => failoverSettingsFromEnv({})).toThrow(
      'VIP_PRIVATE_IP: set VIP_PRIVATE_IP, VIP_ALLOCATION_ID and/or OVERLAY_IP',
    );
    expect(() =>
      failoverSettingsFromEnv({
        VIP_PRIVATE_IP: '10.0.0.300',
        VIP_ALLOCATION_ID: 'eip-1',
        NETWORK_INTERFACE_ID: 'x',
      }),
    ).toThrow(/VIP_PRIVATE_IP: .*\n.*VIP_ALLOCATION_ID: eipalloc-… \(got "eip-1"\)\n.*NETWORK_INTERFACE_ID/s);
  });

  it('has defaults', () => {
    expect(failoverSettingsFromEnv({ VIP_ALLOCATION_ID: 'eipalloc-0abc' })).toMatchObject({
      VRRP_STATE_FILE: '/run/wslb/vrrp-state.json',
      KEEPALIVED_VRRP_PID_FILE: '/run/keepalived_vrrp.pid',
      RECONCILE_SECONDS: 30,
      FAILOVER_MAX_ATTEMPTS: 6,
      FAILOVER_CONFIRM_SECONDS: 30,
    });
  });
});
