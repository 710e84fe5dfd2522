import { Arn, ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { DirectTls } from '../tls-context';

/** The node's TLS and DNS variables (runtime/node/settings.ts), none when its nodes have no name. */
export interface NodeNameEnvironment {
  readonly TLS_CERT_SECRET_ARN?: string;
  readonly DNS_HOSTED_ZONE_ID?: string;
  readonly DNS_ZONE_NAME?: string;
}

/**
 * `direct` over wss (docs/decisions/0156-direct-node-names-and-wildcard-certificate.md): each node publishes
 * `<instance-id>.<zone> A <public IPv4>` at start and deletes it when it drains, and serves the wildcard
 * certificate from its secret. `role` may read that secret, and change only A records one label below the
 * zone's name, in that zone, by UPSERT or DELETE; GetChange (waiting for INSYNC) has no resource scoping.
 */
export function nodePublicName(role: iam.IRole, name: DirectTls | undefined): NodeNameEnvironment {
  if (!name) return {};
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadCertificate',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [name.certificateSecretArn],
    }),
  );
  const global = (resource: string, resourceName: string) =>
    Arn.format(
      {
        service: 'route53',
        region: '',
        account: '',
        resource,
        resourceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      stack,
    );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'OwnRecord',
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [global('hostedzone', name.hostedZoneId)],
      conditions: {
        'ForAllValues:StringLike': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`*.${name.zoneName}`],
        },
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
        },
      },
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]',
    reason:
      'route53:GetChange takes a change id Route 53 makes at run time; it only reads whether a change is INSYNC.',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RecordInSync',
      actions: ['route53:GetChange'],
      resources: [global('change', '*')],
    }),
  );
  return {
    TLS_CERT_SECRET_ARN: name.certificateSecretArn,
    DNS_HOSTED_ZONE_ID: name.hostedZoneId,
    DNS_ZONE_NAME: name.zoneName,
  };
}
