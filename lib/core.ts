import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AuthService } from './auth-service';
import type { WslbConfig } from './config';
import { WslbDashboard } from './dashboard';
import { WsFleet } from './fleet/ws-fleet';
import { WslbNetwork } from './network';
import { RegistryTable } from './registry-table';
import { TokenSecret } from './token-secret';
import { UsersSecret } from './users-secret';

/**
 * Where the nodes run: `public` (public subnets, public IPv4 and IPv6 addresses, the node reports its public
 * endpoint) when clients connect to nodes themselves, `private` (isolated subnets) behind a balancer.
 */
export type NodePlacement = 'public' | 'private';

export interface WslbCoreProps {
  /** The app's validated context. */
  readonly config: WslbConfig;
  /** Where the nodes run; changing it rolls the node group, one drained node at a time. */
  readonly nodePlacement: NodePlacement;
}

/**
 * What a deployment keeps whatever its strategy: network, token and users secrets, the node registry, the
 * node fleet and its log group, the auth service (and with it the URL clients know) and the dashboard.
 * Strategy tiers (lib/strategies) add what stands between clients and nodes and tell the auth service,
 * through {@link AuthService.handOut}, which path to hand out.
 */
export class WslbCore extends Construct {
  readonly network: WslbNetwork;
  readonly tokenSecret: TokenSecret;
  readonly usersSecret: UsersSecret;
  readonly registry: RegistryTable;
  readonly nodeLogs: logs.LogGroup;
  readonly fleet: WsFleet;
  readonly auth: AuthService;
  readonly dashboard: WslbDashboard;

  constructor(scope: Construct, id: string, props: WslbCoreProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    this.network = new WslbNetwork(this, 'Network');
    this.tokenSecret = new TokenSecret(this, 'TokenSecret');
    this.usersSecret = new UsersSecret(this, 'UsersSecret');
    this.registry = new RegistryTable(this, 'Registry');
    this.nodeLogs = new logs.LogGroup(this, 'NodeLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const publicNodes = props.nodePlacement === 'public';
    this.fleet = new WsFleet(this, 'Fleet', {
      vpc: this.network.vpc,
      vpcSubnets: publicNodes ? this.network.publicSubnets : this.network.isolatedSubnets,
      publicAddress: publicNodes,
      instanceType: config.instanceType,
      capacity: config.nodes,
      port: config.wsPort,
      maxConnectionsPerNode: config.maxConnectionsPerNode,
      scalingTargetPerNode: config.scalingTargetPerNode,
      pingInterval: Duration.seconds(config.pingSeconds),
      drainWindow: Duration.seconds(config.drainSeconds),
      heartbeatInterval: Duration.millis(config.heartbeatMs),
      // Every balancer of this deployment hands out tokens for the stack's name: a node accepts them
      // whichever tier the client came through, before, during and after a switch.
      tokenAudience: stack.stackName,
      tokenSecret: this.tokenSecret.secret,
      registry: this.registry,
      logGroup: this.nodeLogs,
      publicName: publicNodes ? config.tls.direct : undefined,
      app: config.nodeApp,
      upstreamUrl: config.nodeUpstreamUrl,
    });

    this.auth = new AuthService(this, 'Auth', {
      balancerName: stack.stackName,
      tokenSecret: this.tokenSecret.secret,
      usersSecret: this.usersSecret.secret,
      registry: this.registry,
      allowedOrigins: config.allowedOrigins,
      freshness: Duration.millis(config.freshnessMs),
      registryCacheWindow: Duration.millis(config.registryCacheMs),
      reservedConcurrency: config.authReservedConcurrency,
      oidc: config.oidc,
    });

    this.dashboard = new WslbDashboard(this, 'Dashboard', { fleet: stack.stackName });

    // On the stack itself so the outputs keep plain names operators can script against.
    new CfnOutput(stack, 'AuthUrl', { value: this.auth.url.url });
    new CfnOutput(stack, 'UsersSecretArn', { value: this.usersSecret.secret.secretArn });
    // `npx wslb status --table-name <RegistryTableName>` reads the registry as the auth service does.
    new CfnOutput(stack, 'RegistryTableName', { value: this.registry.table.tableName });
  }
}
