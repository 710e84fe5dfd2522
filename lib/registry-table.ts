import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CLIENT_PATH_KEY } from '../runtime/registry/client-path';

export interface RegistryTableProps {
  /** What happens to the table when the stack is deleted. @default RemovalPolicy.DESTROY (it holds only heartbeats) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The node registry: one item per node (`nodeId`), rewritten every heartbeat, expired by TTL on
 * `expiresAt`. On-demand, point-in-time recovery, encrypted with the AWS managed KMS key.
 */
export class RegistryTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: RegistryTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'nodeId', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** What the auth service needs: read every entry (Scan). */
  grantList(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, 'dynamodb:Scan');
  }

  /** What a node needs to learn the current path: read the `#path` item, and no other (decision 0150). */
  grantReadCurrentPath(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CLIENT_PATH_KEY] } },
    });
  }

  /** What a node needs: write, mark draining and delete its own entry. */
  grantHeartbeat(grantee: iam.IGrantable): iam.Grant {
    return this.table.grant(grantee, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
  }
}
