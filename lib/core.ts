import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AuthServiceProps } from './auth-service';
import type { WslbConfig } from './config';
import type { WsFleetProps } from './fleet/ws-fleet';
import { WslbNetwork, type WslbNetworkProps } from './network';
import { RegistryTable } from './registry-table';
import { TokenSecret } from './token-secret';
import { UsersSecret } from './users-secret';

/**
 * What every strategy shares: network, token and users secrets, the node registry and the log group the
 * nodes write to. Strategy stacks add the fleet, the balancer (if any), the auth service and the dashboard.
 */
export class WslbCore extends Construct {
  readonly network: WslbNetwork;
  readonly tokenSecret: TokenSecret;
  readonly usersSecret: UsersSecret;
  readonly registry: RegistryTable;
  readonly nodeLogs: logs.LogGroup;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WslbNetworkProps & { readonly config: WslbConfig },
  ) {
    super(scope, id);
    this.network = new WslbNetwork(this, 'Network', props);
    this.tokenSecret = new TokenSecret(this, 'TokenSecret');
    this.usersSecret = new UsersSecret(this, 'UsersSecret');
    this.registry = new RegistryTable(this, 'Registry');
    this.nodeLogs = new logs.LogGroup(this, 'NodeLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // On the stack itself so the output keeps a plain name operators can script against.
    new CfnOutput(Stack.of(this), 'UsersSecretArn', { value: this.usersSecret.secret.secretArn });
  }

  /** Fleet props every strategy shares; the stack adds placement and endpoint specifics. */
  fleetProps(): Omit<WsFleetProps, 'endpointSource'> {
    const { config } = this.props;
    return {
      vpc: this.network.vpc,
      subnets: this.network.nodeSubnets,
      instanceType: config.instanceType,
      nodes: config.nodes,
      wsPort: config.wsPort,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      pingSeconds: config.pingSeconds,
      drainSeconds: config.drainSeconds,
      heartbeatMs: config.heartbeatMs,
      tokenSecret: this.tokenSecret.secret,
      registry: this.registry,
      logGroup: this.nodeLogs,
      fleetTag: Stack.of(this).stackName,
    };
  }

  /** Auth props every strategy shares; the stack adds the strategy and the address it hands out. */
  authProps(): Omit<AuthServiceProps, 'strategy'> {
    return {
      tokenSecret: this.tokenSecret.secret,
      usersSecret: this.usersSecret.secret,
      registry: this.registry,
      allowedOrigins: this.props.config.allowedOrigins,
      freshnessMs: this.props.config.freshnessMs,
      registryCacheMs: this.props.config.registryCacheMs,
      reservedConcurrency: this.props.config.authReservedConcurrency,
    };
  }
}
