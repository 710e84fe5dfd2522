import {
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  CreateRouteCommand,
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  type RouteState,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { isTransient, withRetry } from '../../../../runtime/haproxy/failover/retry';
import {
  failoverSettingsFromEnv,
  vipTargetFromSettings,
} from '../../../../runtime/haproxy/failover/settings';
import { VipMover, type VipTarget } from '../../../../runtime/haproxy/failover/vip-mover';
import { ec2Error, fakeEc2Client } from '../helpers/ec2';
import { memoryLogger } from '../helpers/logger';

const ENI = 'eni-0aaa';
const OTHER = 'eni-0bbb';
const VIP = '10.0.0.100';
const EIP = 'eipalloc-0123';

const eniWith = (...ips: string[]) => ({
  NetworkInterfaces: [
    { NetworkInterfaceId: ENI, PrivateIpAddresses: ips.map((ip) => ({ PrivateIpAddress: ip })) },
  ],
});
const eipOn = (eni: string, ip = VIP) => ({
  Addresses: [{ AllocationId: EIP, NetworkInterfaceId: eni, PrivateIpAddress: ip }],
});

describe('VipMover', () => {
  const client = fakeEc2Client();
  const ec2 = mockClient(client);
  let sleeps: number[];
  const setup = (target: Partial<VipTarget> = { privateVip: VIP }, maxAttempts = 4) => {
    const log = memoryLogger();
    sleeps = [];
    const mover = new VipMover({
      client,
      logger: log.logger,
      target: { networkInterfaceId: ENI, ...target },
      retry: { maxAttempts, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
      confirmTimeoutMs: 5_000,
      confirmIntervalMs: 1_000,
    });
    return { mover, log };
  };
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it('assigns the private VIP with AllowReassignment and polls until it shows on our ENI', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(eniWith('10.0.0.5'))
      .resolvesOnce(eniWith('10.0.0.5'))
      .resolvesOnce(eniWith('10.0.0.5'))
      .resolves(eniWith('10.0.0.5', VIP));
    ec2.on(AssignPrivateIpAddressesCommand).resolves({});
    const { mover, log } = setup();

    expect(await mover.ensure()).toEqual({
      privateIp: 'moved',
      elasticIp: 'not-configured',
      overlayRoute: 'not-configured',
    });
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand).map((c) => c.args[0].input)).toEqual([
      { NetworkInterfaceId: ENI, PrivateIpAddresses: [VIP], AllowReassignment: true },
    ]);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0]!.args[0].input).toEqual({
      NetworkInterfaceIds: [ENI],
    });
    // 1 check before, then 3 confirm polls: two "not yet" (each followed by a 1 s pause) and the hit.
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(4);
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(log.events()).toContain('vip_moved');
  });

  it('is idempotent: the VIP already on our ENI means no write at all', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5', VIP));
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI));
    const { mover } = setup({ privateVip: VIP, allocationId: EIP });

    expect(await mover.ensure()).toEqual({
      privateIp: 'already-ours',
      elasticIp: 'already-ours',
      overlayRoute: 'not-configured',
    });
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssociateAddressCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeAddressesCommand)[0]!.args[0].input).toEqual({ AllocationIds: [EIP] });
  });

  it('associates the Elastic IP with our ENI and VIP, AllowReassociation, then confirms', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5', VIP));
    ec2
      .on(DescribeAddressesCommand)
      .resolvesOnce(eipOn(OTHER))
      .resolvesOnce(eipOn(OTHER))
      .resolves(eipOn(ENI));
    ec2.on(AssociateAddressCommand).resolves({ AssociationId: 'eipassoc-1' });
    const { mover } = setup({ privateVip: VIP, allocationId: EIP });

    expect(await mover.ensure()).toEqual({
      privateIp: 'already-ours',
      elasticIp: 'moved',
      overlayRoute: 'not-configured',
    });
    expect(ec2.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
      { AllocationId: EIP, NetworkInterfaceId: ENI, PrivateIpAddress: VIP, AllowReassociation: true },
    ]);
  });

  it('an Elastic IP alone goes to the ENI without a private address', async () => {
    ec2
      .on(DescribeAddressesCommand)
      .resolvesOnce({ Addresses: [{ AllocationId: EIP }] })
      .resolves(eipOn(ENI, '10.0.0.5'));
    ec2.on(AssociateAddressCommand).resolves({});
    const { mover } = setup({ allocationId: EIP });

    expect(await mover.ensure()).toEqual({
      privateIp: 'not-configured',
      elasticIp: 'moved',
      overlayRoute: 'not-configured',
    });
    expect(ec2.commandCalls(AssociateAddressCommand)[0]!.args[0].input).toEqual({
      AllocationId: EIP,
      NetworkInterfaceId: ENI,
      AllowReassociation: true,
    });
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(0);
  });

  it('retries throttling and transient errors with growing, jittered back-off', async () => {
    ec2
      .on(DescribeNetworkInterfacesCommand)
      .resolvesOnce(eniWith('10.0.0.5'))
      .resolves(eniWith('10.0.0.5', VIP));
    ec2
      .on(AssignPrivateIpAddressesCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded', 503))
      .rejectsOnce(ec2Error('InternalError', 500))
      .rejectsOnce(ec2Error('ServiceUnavailable', 503))
      .resolves({});
    const { mover, log } = setup();

    expect((await mover.ensure()).privateIp).toBe('moved');
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(4);
    // full jitter with random() = 0.5: half of 200, 400, 800 ms
    expect(sleeps).toEqual([100, 200, 400]);
    expect(log.lines.filter((l) => l.event === 'ec2_retry').map((l) => l.call)).toEqual([
      'AssignPrivateIpAddresses',
      'AssignPrivateIpAddresses',
      'AssignPrivateIpAddresses',
    ]);
  });

  it('gives up after the last attempt, passing the error on', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5'));
    ec2.on(AssignPrivateIpAddressesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
    const { mover } = setup({ privateVip: VIP }, 3);

    await expect(mover.ensure()).rejects.toThrow('RequestLimitExceeded');
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(3);
  });

  it('does not retry a permanent error', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5'));
    ec2.on(AssignPrivateIpAddressesCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    const { mover } = setup();

    await expect(mover.ensure()).rejects.toThrow('UnauthorizedOperation');
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(1);
  });

  it('fails when the move never shows within the confirm window', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniWith('10.0.0.5'));
    ec2.on(AssignPrivateIpAddressesCommand).resolves({});
    const { mover } = setup();

    await expect(mover.ensure()).rejects.toThrow(`private VIP ${VIP} not shown on ${ENI} after 5 polls`);
    expect(sleeps).toEqual([1_000, 1_000, 1_000, 1_000, 1_000]);
  });
});

describe('VipMover across two AZs: Elastic IP and overlay routes, no private VIP', () => {
  const client = fakeEc2Client();
  const ec2 = mockClient(client);
  const PAIR_ADDRESS = '10.40.2.70';
  const OVERLAY = '192.168.254.1/32';
  const TABLES = ['rtb-0aaa', 'rtb-0bbb', 'rtb-0ccc'];
  const tables = (
    targets: Record<string, string | undefined>,
    state: RouteState = 'active',
  ): { RouteTables: RouteTable[] } => ({
    RouteTables: TABLES.map((id) => ({
      RouteTableId: id,
      Routes: [
        { DestinationCidrBlock: '10.40.0.0/16', GatewayId: 'local', State: 'active' },
        ...(targets[id]
          ? [{ DestinationCidrBlock: OVERLAY, NetworkInterfaceId: targets[id], State: state }]
          : []),
      ],
    })),
  });
  const allOn = (eni: string) => Object.fromEntries(TABLES.map((id) => [id, eni]));
  const setup = () => {
    const log = memoryLogger();
    const mover = new VipMover({
      client,
      logger: log.logger,
      target: vipTargetFromSettings(
        failoverSettingsFromEnv({
          VIP_ALLOCATION_ID: EIP,
          ELASTIC_IP_PRIVATE_IP: PAIR_ADDRESS,
          OVERLAY_IP: '192.168.254.1',
          OVERLAY_ROUTE_TABLE_IDS: TABLES.join(','),
        }),
        ENI,
      ),
      retry: { maxAttempts: 3, sleep: async () => {}, random: () => 0.5 },
      confirmTimeoutMs: 3_000,
      confirmIntervalMs: 1_000,
    });
    return { mover, log };
  };
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it('from the peer in the other AZ: EIP to our pair address, every overlay route replaced, one Describe each way', async () => {
    ec2
      .on(DescribeAddressesCommand)
      .resolvesOnce(eipOn(OTHER, '10.40.3.70'))
      .resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2.on(AssociateAddressCommand).resolves({});
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(tables(allOn(OTHER)))
      .resolves(tables(allOn(ENI)));
    ec2.on(ReplaceRouteCommand).resolves({});
    const { mover, log } = setup();

    expect(await mover.ensure()).toEqual({
      privateIp: 'not-configured',
      elasticIp: 'moved',
      overlayRoute: 'moved',
    });
    expect(ec2.commandCalls(AssociateAddressCommand).map((c) => c.args[0].input)).toEqual([
      {
        AllocationId: EIP,
        NetworkInterfaceId: ENI,
        PrivateIpAddress: PAIR_ADDRESS,
        AllowReassociation: true,
      },
    ]);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0]!.args[0].input).toEqual({ RouteTableIds: TABLES });
    expect(ec2.commandCalls(ReplaceRouteCommand).map((c) => c.args[0].input)).toEqual(
      TABLES.map((id) => ({ RouteTableId: id, DestinationCidrBlock: OVERLAY, NetworkInterfaceId: ENI })),
    );
    expect(ec2.commandCalls(CreateRouteCommand)).toHaveLength(0);
    expect(ec2.commandCalls(AssignPrivateIpAddressesCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)).toHaveLength(0);
    expect(log.events()).toEqual(expect.arrayContaining(['eip_moved', 'overlay_moved']));
  });

  it('allHere: true only when the EIP and every overlay route point here; it writes nothing', async () => {
    ec2
      .on(DescribeAddressesCommand)
      .resolvesOnce(eipOn(ENI, PAIR_ADDRESS))
      .resolvesOnce(eipOn(ENI, PAIR_ADDRESS))
      .resolves(eipOn(OTHER, '10.40.3.70'));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(tables(allOn(ENI)))
      .resolves(tables({ ...allOn(ENI), 'rtb-0ccc': OTHER }));
    const { mover } = setup();

    expect(await mover.allHere()).toBe(true);
    expect(await mover.allHere()).toBe(false); // one route table points at the peer
    expect(await mover.allHere()).toBe(false); // the EIP is on the peer
    const writes = ec2.calls().filter((c) => !c.args[0].constructor.name.startsWith('Describe'));
    expect(writes).toHaveLength(0);
  });

  it('first failover after deploy: no overlay route yet, so CreateRoute; only the tables that need it', async () => {
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(tables({ 'rtb-0aaa': ENI }))
      .resolves(tables(allOn(ENI)));
    ec2.on(CreateRouteCommand).resolves({});
    const { mover } = setup();

    expect(await mover.ensure()).toMatchObject({ elasticIp: 'already-ours', overlayRoute: 'moved' });
    expect(ec2.commandCalls(CreateRouteCommand).map((c) => c.args[0].input.RouteTableId)).toEqual([
      'rtb-0bbb',
      'rtb-0ccc',
    ]);
    expect(ec2.commandCalls(ReplaceRouteCommand)).toHaveLength(0);
  });

  it('a route to our ENI that is a blackhole (the old instance of our side is gone) is replaced', async () => {
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(tables(allOn(ENI), 'blackhole'))
      .resolves(tables(allOn(ENI)));
    ec2.on(ReplaceRouteCommand).resolves({});
    const { mover } = setup();

    expect((await mover.ensure()).overlayRoute).toBe('moved');
    expect(ec2.commandCalls(ReplaceRouteCommand)).toHaveLength(3);
  });

  it('everything already here: Describe only, no write', async () => {
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2.on(DescribeRouteTablesCommand).resolves(tables(allOn(ENI)));
    const { mover } = setup();

    expect(await mover.ensure()).toEqual({
      privateIp: 'not-configured',
      elasticIp: 'already-ours',
      overlayRoute: 'already-ours',
    });
    expect(
      ec2
        .calls()
        .map((c) => c.args[0].constructor.name)
        .sort(),
    ).toEqual(['DescribeAddressesCommand', 'DescribeRouteTablesCommand']);
  });

  it('races with the peer: RouteAlreadyExists turns into ReplaceRoute, InvalidRoute.NotFound into CreateRoute', async () => {
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce(tables({ 'rtb-0aaa': OTHER, 'rtb-0ccc': ENI }))
      .resolves(tables(allOn(ENI)));
    // The generic answer first: aws-sdk-client-mock lets a later, narrower `on` take precedence.
    ec2.on(ReplaceRouteCommand).resolves({});
    ec2.on(CreateRouteCommand).resolves({});
    ec2.on(ReplaceRouteCommand, { RouteTableId: 'rtb-0aaa' }).rejectsOnce(ec2Error('InvalidRoute.NotFound'));
    ec2.on(CreateRouteCommand, { RouteTableId: 'rtb-0bbb' }).rejectsOnce(ec2Error('RouteAlreadyExists'));
    const { mover } = setup();

    expect((await mover.ensure()).overlayRoute).toBe('moved');
    const writes = ec2
      .calls()
      .filter((c) => !c.args[0].constructor.name.startsWith('Describe'))
      .map(
        (c) => `${c.args[0].constructor.name}:${(c.args[0].input as { RouteTableId: string }).RouteTableId}`,
      );
    expect(writes).toEqual([
      'ReplaceRouteCommand:rtb-0aaa',
      'CreateRouteCommand:rtb-0aaa',
      'CreateRouteCommand:rtb-0bbb',
      'ReplaceRouteCommand:rtb-0bbb',
    ]);
  });

  it('a permanent error on a route (no permission on that table) fails the move', async () => {
    ec2.on(DescribeAddressesCommand).resolves(eipOn(ENI, PAIR_ADDRESS));
    ec2.on(DescribeRouteTablesCommand).resolves(tables(allOn(OTHER)));
    ec2.on(ReplaceRouteCommand).rejects(ec2Error('UnauthorizedOperation', 403));
    const { mover } = setup();

    await expect(mover.ensure()).rejects.toThrow('UnauthorizedOperation');
    expect(ec2.commandCalls(ReplaceRouteCommand)).toHaveLength(1);
  });

  it('settings: OVERLAY_IP needs its route tables, and rtb ids are checked', () => {
    expect(() => failoverSettingsFromEnv({ OVERLAY_IP: '192.168.254.1' })).toThrow(
      'OVERLAY_ROUTE_TABLE_IDS: OVERLAY_IP and OVERLAY_ROUTE_TABLE_IDS go together',
    );
    expect(() =>
      failoverSettingsFromEnv({ OVERLAY_IP: '192.168.254.1', OVERLAY_ROUTE_TABLE_IDS: 'rtb-0aaa,subnet-1' }),
    ).toThrow(/OVERLAY_ROUTE_TABLE_IDS\.1: rtb-…/);
  });
});

describe('retry', () => {
  it('classifies errors', () => {
    expect(isTransient(ec2Error('RequestLimitExceeded'))).toBe(true);
    expect(isTransient(ec2Error('SomethingNew', 502))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransient(ec2Error('InvalidParameterValue'))).toBe(false);
    expect(isTransient('a string')).toBe(false);
  });

  it('caps the delay', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw ec2Error('Throttling');
        },
        {
          maxAttempts: 8,
          baseDelayMs: 1_000,
          maxDelayMs: 3_000,
          random: () => 0.999,
          sleep: async (ms) => void sleeps.push(ms),
        },
      ),
    ).rejects.toThrow('Throttling');
    expect(calls).toBe(8);
    expect(sleeps).toEqual([999, 1998, 2997, 2997, 2997, 2997, 2997]);
  });
});
