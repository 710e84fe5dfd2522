import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnAutoScalingGroup } from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { WsFleet, type WsFleetProps } from '../../../lib/fleet/ws-fleet';
import { RegistryTable } from '../../../lib/registry-table';

/** A bare stack with what a fleet needs around it; bundling off (not under test here). */
function fleetIn(props: Partial<WsFleetProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Bare', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fleet = new WsFleet(stack, 'Fleet', {
    vpc: new ec2.Vpc(stack, 'Vpc'),
    tokenSecret: new secretsmanager.Secret(stack, 'Token'),
    registry: new RegistryTable(stack, 'Registry'),
    logGroup: new logs.LogGroup(stack, 'Logs'),
    ...props,
  });
  return { stack, fleet, template: () => Template.fromStack(stack) };
}

const errorOf = (props: Partial<WsFleetProps>) => {
  try {
    fleetIn(props);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('WsFleet accepted the props');
};

describe('WsFleet on a bare stack', () => {
  test('defaults: 2/2/4 t4g.small nodes on 8080, drain 30 s, ping 25 s, heartbeat 2 s, fleet tag = stack name', () => {
    const { fleet, template } = fleetIn();
    const t = template();
    t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      DesiredCapacity: '2',
      MaxSize: '4',
      Tags: [{ Key: 'wslb:fleet', PropagateAtLaunch: true, Value: 'Bare' }],
    });
    t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 't4g.small' }),
    });
    expect(fleet.port).toBe(8080);
    expect(fleet.drainWindow.toSeconds()).toBe(30);
    expect(fleet.fleetTag).toBe('Bare');
    const userData = JSON.stringify(t.toJSON()).replace(/\\n/g, '\n');
    expect(userData).toContain('PORT=8080\n');
    expect(userData).toContain('PING_SECONDS=25\nDRAIN_SECONDS=30\nHEARTBEAT_MS=2000\n');
  });

  test('a new node signals readiness; creation waits for all, an update rolls one at a time with min in service', () => {
    const { template } = fleetIn({
      capacity: { min: 2, desired: 3, max: 4 },
      bootTimeout: Duration.minutes(20),
    });
    template().hasResource('AWS::AutoScaling::AutoScalingGroup', {
      CreationPolicy: { ResourceSignal: { Count: 3, Timeout: 'PT20M' } },
      UpdatePolicy: {
        AutoScalingRollingUpdate: Match.objectLike({
          MaxBatchSize: 1,
          MinInstancesInService: 2,
          WaitOnResourceSignals: true,
          PauseTime: 'PT20M',
          SuspendProcesses: Match.arrayWith(['HealthCheck', 'ReplaceUnhealthy', 'AZRebalance']),
        }),
      },
    });
    // A group that cannot grow past its minimum keeps one fewer in service while it rolls.
    fleetIn({ capacity: { min: 3, desired: 3, max: 3 } })
      .template()
      .hasResource('AWS::AutoScaling::AutoScalingGroup', {
        UpdatePolicy: { AutoScalingRollingUpdate: Match.objectLike({ MinInstancesInService: 2 }) },
      });
  });

  test('the readiness script names this stack and the group, and the node may signal only this stack', () => {
    const { stack, fleet, template } = fleetIn();
    const t = template();
    const groupId = stack.getLogicalId(fleet.asg.node.defaultChild as CfnAutoScalingGroup);
    expect(JSON.stringify(t.toJSON())).toContain(`readonly STACK='Bare'\\nreadonly RESOURCE='${groupId}'`);
    const policy = Object.values(t.findResources('AWS::IAM::Policy'))[0] as {
      Properties: { PolicyDocument: { Statement: { Sid?: string }[] } };
    };
    const statements = policy.Properties.PolicyDocument.Statement;
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(statements.filter((s) => JSON.stringify(s).includes('cloudformation:'))).toEqual([
      { Effect: 'Allow', Action: 'cloudformation:SignalResource', Resource: { Ref: 'AWS::StackId' } },
    ]);
    expect(bySid.OwnStanding).toEqual({
      Sid: 'OwnStanding',
      Effect: 'Allow',
      Action: ['autoscaling:DescribeAutoScalingGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      Resource: '*',
    });
  });

  test('instance tags are readable in IMDS (the scripts find their group there)', () => {
    fleetIn()
      .template()
      .hasResourceProperties('AWS::EC2::LaunchTemplate', {
        LaunchTemplateData: Match.objectLike({
          MetadataOptions: {
            HttpTokens: 'required',
            HttpPutResponseHopLimit: 1,
            InstanceMetadataTags: 'enabled',
          },
        }),
      });
  });

  test('a balancer keeps a deregistering node for the drain window plus the time to notice (15 s)', () => {
    expect(fleetIn({ drainWindow: Duration.seconds(40) }).fleet.deregistrationDelay.toSeconds()).toBe(55);
  });

  test('terminating nodes are held for the drain window plus 30 s, then the termination continues', () => {
    fleetIn({ drainWindow: Duration.seconds(90) })
      .template()
      .hasResourceProperties('AWS::AutoScaling::LifecycleHook', {
        LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        HeartbeatTimeout: 120,
        DefaultResult: 'CONTINUE',
        NotificationTargetARN: Match.absent(),
      });
  });

  test("the group tracks connections per node: the fleet average of the nodes' EMF metric, 70 % of the cap", () => {
    const template = fleetIn({ maxConnectionsPerNode: 20_000, fleetTag: 'blue' }).template();
    template.resourceCountIs('AWS::AutoScaling::ScalingPolicy', 1);
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      EstimatedInstanceWarmup: 240,
      TargetTrackingConfiguration: {
        TargetValue: 14_000,
        CustomizedMetricSpecification: {
          Namespace: 'wslb',
          MetricName: 'Connections',
          Dimensions: [{ Name: 'Fleet', Value: 'blue' }],
          Statistic: 'Average',
        },
      },
    });
    // Scale-in terminates through the drain hook; nothing disables it or protects a node from it.
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: Match.objectLike({ DisableScaleIn: Match.absent() }),
    });
  });

  test('a scaling target at or above the cap is refused by name', () => {
    expect(errorOf({ maxConnectionsPerNode: 5000, scalingTargetPerNode: 5000 })).toBe(
      'WsFleet Bare/Fleet:\n  scalingTargetPerNode: got 5000; accepted: an integer from 1 to 4999',
    );
  });

  test('every prop out of range is named at once, with what is accepted', () => {
    expect(
      errorOf({
        instanceType: 't3.small',
        capacity: { min: 3, desired: 2, max: 0 },
        port: 0,
        maxConnectionsPerNode: 1.5,
        pingInterval: Duration.millis(1500),
        drainWindow: Duration.hours(2),
        heartbeatInterval: Duration.millis(50),
        bootTimeout: Duration.hours(2),
      }),
    ).toBe(
      [
        'WsFleet Bare/Fleet:',
        '  instanceType: got t3.small (x86_64); accepted: an arm64 (Graviton) type, as the nodes boot the arm64 AL2023 image',
        '  capacity.max: got 0; accepted: an integer from 1 to 100',
        '  capacity: got 3/2/0; accepted: min <= desired <= max',
        '  port: got 0; accepted: an integer from 1 to 65535',
        '  maxConnectionsPerNode: got 1.5; accepted: an integer from 1 to 1000000',
        '  pingInterval: got 1.5 s; accepted: an integer from 1 to 3600 s',
        '  drainWindow: got 7200 s; accepted: an integer from 0 to 3600 s',
        '  heartbeatInterval: got 50 ms; accepted: an integer from 100 to 60000 ms',
        '  bootTimeout: got 120 min; accepted: an integer from 2 to 60 min',
      ].join('\n'),
    );
  });
});
