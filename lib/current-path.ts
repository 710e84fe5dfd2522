import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import type { Strategy } from '../runtime/contract/strategies';
import { CLIENT_PATH_KEY } from '../runtime/registry/client-path';
import type { RegistryTable } from './registry-table';

export interface CurrentPathProps {
  /** The registry the nodes read the current path from. */
  readonly registry: RegistryTable;
  /** The path the auth service hands out. */
  readonly strategy: Strategy;
  /** The path clients are moving off during a switch. @default - none */
  readonly retiring?: Strategy;
  /** Written only once these are deployed (the auth function with the new path). */
  readonly after: IDependable;
}

/**
 * Writes the current path into the registry's `#path` item on every deploy that changes it, after the auth
 * function hands out that path: the nodes read it and move clients off any other path (decision 0150). The
 * item stays when the stack is deleted with its table; nothing to undo on delete.
 */
export class CurrentPath extends Construct {
  readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: CurrentPathProps) {
    super(scope, id);
    const item: Record<string, { S: string }> = {
      nodeId: { S: CLIENT_PATH_KEY },
      strategy: { S: props.strategy },
      ...(props.retiring ? { retiring: { S: props.retiring } } : {}),
    };
    const put: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: props.registry.table.tableName, Item: item },
      physicalResourceId: cr.PhysicalResourceId.of(CLIENT_PATH_KEY),
    };
    // Its own role writing to its own log group, instead of the managed basic execution policy (as the auth's).
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.resource = new cr.AwsCustomResource(this, 'Write', {
      onCreate: put,
      onUpdate: put,
      installLatestAwsSdk: false,
      role,
      logGroup,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [props.registry.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [CLIENT_PATH_KEY] } },
        }),
      ]),
    });
    this.resource.node.addDependency(props.after);
  }

  /** Write only once `dependable` is deployed too (the node group, whose roll moves clients itself). */
  writeAfter(dependable: IDependable): void {
    this.resource.node.addDependency(dependable);
  }
}
