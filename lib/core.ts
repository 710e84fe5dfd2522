import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string, props: WslbNetworkProps) {
    super(scope, id);
    this.network = new WslbNetwork(this, 'Network', props);
    this.tokenSecret = new TokenSecret(this, 'TokenSecret');
    this.usersSecret = new UsersSecret(this, 'UsersSecret');
    this.registry = new RegistryTable(this, 'Registry');
    this.nodeLogs = new logs.LogGroup(this, 'NodeLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
