import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import { AuthService } from '../auth-service';
import { WslbCore } from '../core';
import { WslbDashboard } from '../dashboard';
import { WsFleet } from '../fleet/ws-fleet';
import type { StrategyStackProps } from './strategy-stack-props';

/** Port of the TLS listener when a certificate is given. */
export const TLS_PORT = 443;

/**
 * `nlb`: an internet-facing Network Load Balancer in front of private nodes. TCP on the WS port, TLS on
 * 443 when a certificate is given; the NLB's idle timeout outlives the ping interval and deregistration
 * waits out the drain window, then cuts what is left.
 */
export class NlbStack extends Stack {
  constructor(scope: Construct, id: string, props: StrategyStackProps) {
    super(scope, id, props);
    const { config } = props;
    const core = new WslbCore(this, 'Core', {
      config,
      privateNodes: true,
    });
    const { vpc } = core.network;

    const fleet = new WsFleet(this, 'Fleet', {
      ...core.fleetProps(),
      endpointSource: 'imds-private',
      elbHealthCheck: true,
      tokenAudience: this.stackName,
    });

    core.network.allowEndpointsFrom(fleet);

    const nlbSecurityGroup = new ec2.SecurityGroup(this, 'NlbSecurityGroup', {
      vpc,
      description: 'wslb NLB: clients in, nodes out',
      allowAllOutbound: false,
    });
    const nlb = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [nlbSecurityGroup],
      crossZoneEnabled: true,
    });
    Validations.of(nlb).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'NLB access logs cover TLS listeners only and need a log bucket; flow counts are on the dashboard.',
    });
    const targetGroup = new elbv2.NetworkTargetGroup(this, 'Nodes', {
      vpc,
      port: config.wsPort,
      protocol: elbv2.Protocol.TCP,
      targets: [fleet.asg],
      deregistrationDelay: Duration.seconds(config.drainSeconds),
      connectionTermination: true,
      // The local NLB stand-in (runtime/local/nlb) models these same values; a test keeps them equal.
      healthCheck: {
        protocol: elbv2.Protocol.HTTP,
        path: '/healthz',
        interval: Duration.seconds(10),
        // The NLB's default for HTTP checks, written out so the template states it.
        timeout: Duration.seconds(6),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    const listen = (id: string, port: number, certificateArn?: string) => {
      const listener = nlb.addListener(id, {
        port,
        protocol: certificateArn ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
        certificates: certificateArn ? [elbv2.ListenerCertificate.fromArn(certificateArn)] : undefined,
        sslPolicy: certificateArn ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
        tcpIdleTimeout: Duration.seconds(config.idleTimeoutSeconds),
        defaultTargetGroups: [targetGroup],
      });
      nlbSecurityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `clients to ${id}`);
      return listener;
    };
    listen('Tcp', config.wsPort);
    if (config.certificateArn) listen('Tls', TLS_PORT, config.certificateArn);
    Validations.of(nlbSecurityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The NLB is the public WebSocket entry point: clients connect from anywhere.',
    });
    fleet.connections.allowFrom(
      nlbSecurityGroup,
      ec2.Port.tcp(config.wsPort),
      'NLB to nodes and health checks',
    );

    const host = config.publicHostname ?? nlb.loadBalancerDnsName;
    const publicUrl = config.certificateArn ? `wss://${host}` : `ws://${host}:${config.wsPort}`;
    const auth = new AuthService(this, 'Auth', {
      strategy: 'nlb',
      publicUrl,
      balancerName: this.stackName,
      ...core.authProps(),
    });

    new WslbDashboard(this, 'Dashboard', {
      fleet: this.stackName,
      extraWidgets: [
        new cloudwatch.GraphWidget({
          title: 'NLB flows',
          width: 24,
          left: [nlb.metrics.activeFlowCount(), nlb.metrics.newFlowCount()],
          right: [targetGroup.metrics.healthyHostCount()],
        }),
      ],
    });

    new CfnOutput(this, 'AuthUrl', { value: auth.url.url });
    new CfnOutput(this, 'WsUrl', { value: publicUrl });
  }
}
