import { Match, type Template } from 'aws-cdk-lib/assertions';
import { roleStatements, templateOf } from '../helpers';
import { DIRECT_ZONE, TLS_SECRETS, TLS_VARIANTS } from '../tls-variants';

const nodeStatements = (template: Template) => roleStatements(template, 'CoreFleet');

const nodeBootText = (template: Template) =>
  JSON.stringify(
    Object.entries(template.findResources('AWS::EC2::LaunchTemplate'))
      .filter(([id]) => id.startsWith('CoreFleet'))
      .map(([, lt]) => lt.Properties.LaunchTemplateData.UserData),
  );

const touches = (statement: Record<string, unknown>, service: string) =>
  JSON.stringify(statement.Action).includes(`${service}:`);

describe('direct with a hosted zone and a wildcard certificate', () => {
  const template = templateOf(TLS_VARIANTS['direct-tls']!);

  test('each node gets the secret and the zone: it publishes <instance-id>.<zone> and serves wss for it', () => {
    const text = nodeBootText(template);
    expect(text).toContain(`TLS_CERT_SECRET_ARN=${TLS_SECRETS.direct}`);
    expect(text).toContain(`DNS_HOSTED_ZONE_ID=${DIRECT_ZONE.id}`);
    expect(text).toContain(`DNS_ZONE_NAME=${DIRECT_ZONE.name}`);
    expect(text).toContain('ENDPOINT_SOURCE=imds-public');
  });

  test('the nodes may change only A records one level below the zone name, in that zone, by UPSERT or DELETE', () => {
    const statements = nodeStatements(template);
    expect(statements.filter((s) => touches(s, 'route53'))).toEqual([
      {
        Sid: 'OwnRecord',
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::hostedzone/${DIRECT_ZONE.id}`]],
        },
        Condition: {
          'ForAllValues:StringLike': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`*.${DIRECT_ZONE.name}`],
          },
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsRecordTypes': ['A'],
            'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
          },
        },
      },
      {
        Sid: 'RecordInSync',
        Effect: 'Allow',
        Action: 'route53:GetChange',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::change/*']] },
      },
    ]);
    expect(statements.filter((s) => s.Sid === 'ReadCertificate')).toEqual([
      {
        Sid: 'ReadCertificate',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: TLS_SECRETS.direct,
      },
    ]);
  });

  test('auth hands out what the nodes register (their wss:// names), not a balancer URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STRATEGY: 'direct', PUBLIC_URL: Match.absent() }) },
    });
  });
});

describe('the direct keys where nodes are private', () => {
  test('haproxy with the direct keys in cdk.json: the nodes get no name, no certificate and no Route 53 access', () => {
    const { strategy: _, ...directKeys } = TLS_VARIANTS['direct-tls']!;
    const template = templateOf({ ...directKeys, strategy: 'haproxy' });
    expect(nodeBootText(template)).not.toContain('DNS_');
    expect(nodeBootText(template)).not.toContain('TLS_CERT_SECRET_ARN');
    expect(nodeStatements(template).filter((s) => touches(s, 'route53'))).toEqual([]);
  });

  test('direct without the keys: plain ws, no Route 53 access', () => {
    const template = templateOf({ strategy: 'direct' });
    expect(nodeBootText(template)).not.toContain('DNS_');
    expect(nodeStatements(template).filter((s) => touches(s, 'route53'))).toEqual([]);
  });
});
