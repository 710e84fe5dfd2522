import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { deployTimeUrl } from '../../runtime/contract/url';

/** Port of the TLS listener when a certificate is given. */
export const TLS_PORT = 443;
/** A TLS listener's idle timeout: fixed by the NLB (tcp.idle_timeout.seconds is accepted on TCP listeners only). */
export const TLS_IDLE_TIMEOUT = Duration.seconds(350);
/** The NLB's own default idle timeout of a TCP listener. */
export const TCP_IDLE_TIMEOUT_DEFAULT = Duration.seconds(350);
/** The range tcp.idle_timeout.seconds accepts on a TCP listener. */
const IDLE_TIMEOUT_RANGE_SECONDS = [60, 6000] as const;
/** The range deregistration_delay.timeout_seconds accepts. */
const DEREGISTRATION_DELAY_RANGE_SECONDS = [0, 3600] as const;

/**
 * The target group's health check. The local NLB stand-in (runtime/nlb) models the same values; a test keeps
 * them equal. The timeout is the NLB's default for HTTP checks, written out so the template states it.
 */
export const NLB_HEALTH_CHECK = {
  path: '/healthz',
  interval: Duration.seconds(10),
  timeout: Duration.seconds(6),
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
} as const;

export interface NlbBalancerProps {
  /** The VPC of the balancer and its targets. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the balancer's nodes. @default - the VPC's public subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Port the targets listen on (and health checks probe). */
  readonly targetPort: number;
  /**
   * ACM certificate for a TLS listener on port 443, whose idle timeout is fixed at 350 s.
   * @default - no TLS listener
   */
  readonly certificateArn?: string;
  /**
   * Keep a plaintext TCP listener on `targetPort`.
   * @default - true without a certificate, false with one
   */
  readonly plaintextListener?: boolean;
  /**
   * Idle timeout of the plaintext listener: a flow without a packet for this long is dropped. Only a TCP
   * listener accepts it (60-6000 s).
   * @default Duration.seconds(350), the NLB's own default
   */
  readonly idleTimeout?: Duration;
  /**
   * How long a deregistering target keeps its open flows before the NLB resets them (0-3600 s). New flows stop
   * at once.
   * @default Duration.seconds(300), the NLB's own default
   */
  readonly deregistrationDelay?: Duration;
}

/**
 * An internet-facing Network Load Balancer for long-lived TCP flows (WebSockets): cross-zone, its own security
 * group (clients in on the listener ports, out only to the targets it is {@link allowTo}-ed), an HTTP health
 * check on `/healthz`, and connection termination at the end of the deregistration delay, so a scale-in ends
 * in bounded time.
 */
export class NlbBalancer extends Construct {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly securityGroup: ec2.SecurityGroup;
  /** `wss://` through the TLS listener when there is one, else `ws://` through the plaintext one. */
  readonly url: string;
  /** The host name clients reach: the balancer's DNS name. */
  readonly dnsName: string;

  constructor(scope: Construct, id: string, props: NlbBalancerProps) {
    super(scope, id);
    const plaintext = props.plaintextListener ?? !props.certificateArn;
    const problems = checkProps(props, plaintext);
    if (problems.length > 0) throw new Error(`NlbBalancer ${this.node.path}:\n  ${problems.join('\n  ')}`);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'wslb NLB: clients in, nodes out',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [this.securityGroup],
      crossZoneEnabled: true,
    });
    this.dnsName = this.loadBalancer.loadBalancerDnsName;
    this.targetGroup = new elbv2.NetworkTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: props.targetPort,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.INSTANCE,
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(300),
      connectionTermination: true,
      healthCheck: { protocol: elbv2.Protocol.HTTP, ...NLB_HEALTH_CHECK },
    });

    if (plaintext) {
      this.listen('Tcp', props.targetPort, {
        protocol: elbv2.Protocol.TCP,
        tcpIdleTimeout: props.idleTimeout ?? TCP_IDLE_TIMEOUT_DEFAULT,
      });
    }
    if (props.certificateArn) {
      this.listen('Tls', TLS_PORT, {
        protocol: elbv2.Protocol.TLS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      });
    }
    this.url = props.certificateArn
      ? deployTimeUrl('wss', this.dnsName)
      : deployTimeUrl('ws', this.dnsName, props.targetPort);

    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'NLB access logs cover TLS listeners only and need a log bucket; flow counts are on the dashboard.',
    });
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The NLB is the public WebSocket entry point: clients connect from anywhere.',
    });
  }

  /**
   * Let the balancer reach `targets` on the target port (flows and health checks). The egress rule lives
   * here; the matching ingress rule is the caller's to place (see lib/strategies/ingress.ts).
   */
  allowTo(targets: ec2.ISecurityGroup, targetPort: number): void {
    this.securityGroup.addEgressRule(targets, ec2.Port.tcp(targetPort), 'NLB to nodes and health checks');
  }

  private listen(id: string, port: number, options: Omit<elbv2.BaseNetworkListenerProps, 'port'>): void {
    this.loadBalancer.addListener(id, { port, defaultTargetGroups: [this.targetGroup], ...options });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), `clients to ${id}`);
  }
}

function checkProps(props: NlbBalancerProps, plaintext: boolean): string[] {
  const problems: string[] = [];
  const inRange = (name: string, value: Duration | undefined, [min, max]: readonly [number, number]) => {
    if (value === undefined || value.isUnresolved()) return;
    const seconds = value.toSeconds({ integral: false });
    if (!(Number.isInteger(seconds) && seconds >= min && seconds <= max)) {
      problems.push(`${name}: got ${seconds} s; accepted: whole seconds from ${min} to ${max}`);
    }
  };
  inRange('idleTimeout', props.idleTimeout, IDLE_TIMEOUT_RANGE_SECONDS);
  inRange('deregistrationDelay', props.deregistrationDelay, DEREGISTRATION_DELAY_RANGE_SECONDS);
  if (props.idleTimeout !== undefined && !plaintext) {
    problems.push(
      `idleTimeout: accepted only with a plaintext listener; a TLS listener's idle timeout is fixed at ` +
        `${TLS_IDLE_TIMEOUT.toSeconds()} s`,
    );
  }
  if (!plaintext && !props.certificateArn) {
    problems.push('plaintextListener: false needs a certificateArn, or the balancer has no listener');
  }
  return problems;
}
