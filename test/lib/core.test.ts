import { Match, type Template } from 'aws-cdk-lib/assertions';
import { authSettingsSchema } from '../../runtime/auth/settings';
import { STRATEGIES } from '../../runtime/contract/strategies';
import { templateOf, userDataText } from './helpers';
import { resolvedEnvironment } from './placeholders';

type Resource = { Properties: Record<string, unknown> };

describe.each(STRATEGIES)('%s: the core', (strategy) => {
  let template: Template;
  beforeAll(() => {
    template = templateOf({ strategy, drainSeconds: 40, registryCacheMs: 1500 });
  });

  test('registry table: nodeId key, TTL on expiresAt, on-demand, PITR, KMS encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'nodeId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'nodeId', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('token secret generated at deploy as {"kid":"k1","secret":…}; users secret starts empty', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{"kid":"k1"}',
        GenerateStringKey: 'secret',
        PasswordLength: 48,
        ExcludePunctuation: true,
      },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: '{"users":{}}' });
    template.hasOutput('UsersSecretArn', { Value: { Ref: Match.stringLikeRegexp('^CoreUsersSecret') } });
    template.hasOutput('RegistryTableName', { Value: { Ref: Match.stringLikeRegexp('^CoreRegistry') } });
  });

  test('auth: Function URL without IAM auth, CORS for POST exposing Retry-After, secrets and table passed by name only', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      // The local auth server answers with the same (runtime/contract/cors.ts; test/runtime/auth/cors.test.ts).
      Cors: {
        AllowMethods: ['POST'],
        AllowOrigins: ['*'],
        AllowHeaders: ['content-type', 'authorization'],
        ExposeHeaders: ['retry-after'],
        MaxAge: 3600,
      },
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CoreAuthFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          STRATEGY: strategy,
          TOKEN_SECRET_ARN: { Ref: Match.stringLikeRegexp('^CoreTokenSecret') },
          USERS_SECRET_ARN: { Ref: Match.stringLikeRegexp('^CoreUsersSecret') },
          REGISTRY_TABLE: { Ref: Match.stringLikeRegexp('^CoreRegistryTable') },
          FRESHNESS_MS: '6000',
          REGISTRY_CACHE_MS: '1500',
        }),
      },
    });
  });

  test("auth: the function's environment is exactly what runtime/auth's settings accept", () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (r) => (r as Resource).Properties.Handler === 'index.handler',
    ) as Resource[];
    const variables = (fn!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const settings = resolvedEnvironment(variables, template);
    expect(Object.keys(settings).filter((k) => !(k in authSettingsSchema.shape))).toEqual([]);
    const parsed = authSettingsSchema.safeParse(settings);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data).toMatchObject({ STRATEGY: strategy, FRESHNESS_MS: 6000, REGISTRY_CACHE_MS: 1500 });
  });

  test('auth IAM: its log group, read both secrets, Scan the table, nothing else', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes('"Roles":[{"Ref":"CoreAuthRole'),
    ) as Resource;
    const statements = (policy.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement;
    expect(statements.map((s) => s.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      'dynamodb:Scan',
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('node IAM: bundle, token secret, heartbeats, log group, its own readiness and standing; SSM core', () => {
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p).includes('"Roles":[{"Ref":"CoreFleetRole'),
    ) as Resource;
    const statements = (
      policy.Properties.PolicyDocument as {
        Statement: { Action: unknown; Resource: unknown; Condition?: unknown }[];
      }
    ).Statement;
    expect(statements.map((s) => s.Action)).toEqual([
      ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      'dynamodb:GetItem',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['autoscaling:DescribeAutoScalingGroups', 'elasticloadbalancing:DescribeTargetHealth'],
      'cloudformation:SignalResource',
    ]);
    expect(statements[1]!.Resource).toEqual({ Ref: expect.stringMatching(/^CoreTokenSecret/) });
    // The current path (decision 0150), and no other registry entry.
    expect(statements[3]!.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['#path'] },
    });
    expect(statements[6]!.Resource).toEqual({ Ref: 'AWS::StackId' });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: [
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore'],
          ],
        },
      ],
    });
  });

  test('node user data: Node.js, the bundle from S3, the env file and a systemd unit that drains on SIGTERM', () => {
    const [lt] = Object.values(
      template.findResources('AWS::EC2::LaunchTemplate', {
        Properties: { LaunchTemplateData: { UserData: Match.anyValue() } },
      }),
    ).filter((r) => JSON.stringify(r).includes('wslb-node.service')) as Resource[];
    const text = userDataText((lt!.Properties.LaunchTemplateData as { UserData: unknown }).UserData);
    expect(text).toContain('dnf install -y nodejs22 amazon-cloudwatch-agent unzip');
    expect(text).toMatch(
      /aws s3 cp 's3:\/\/\{TOKEN\}\/[0-9a-f]{64}\.zip' '\/tmp\/wslb-node\.zip' --region \{TOKEN\}/,
    );
    // Public nodes (direct) have IPv6 addresses: they listen on both families; private ones on IPv4.
    expect(text).toContain(`HOST=${strategy === 'direct' ? '::' : '0.0.0.0'}\n`);
    expect(text).toContain(
      [
        'PORT=8080',
        `ENDPOINT_SOURCE=${strategy === 'direct' ? 'imds-public' : 'imds-private'}`,
        'MAX_CONNECTIONS=10000',
        'PING_SECONDS=25',
        'DRAIN_SECONDS=40',
        'HEARTBEAT_MS=2000',
        'TOKEN_SECRET_ARN={TOKEN}',
        'REGISTRY_TABLE={TOKEN}',
      ].join('\n'),
    );
    expect(text).toContain('ExecStart=/usr/bin/node-22 --enable-source-maps /opt/wslb/node/main.js\n');
    expect(text).toContain('KillSignal=SIGTERM\n');
    expect(text).toContain('TimeoutStopSec=55\n');
    expect(text).toContain('systemctl enable --now wslb-node.service');
    expect(text).not.toMatch(/secret=|"secret"/i);
  });

  test('ASG: launch template, sizes from nodes, fleet tag at launch', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      MinSize: '2',
      DesiredCapacity: '2',
      MaxSize: '4',
      LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
      Tags: [{ Key: 'wslb:fleet', PropagateAtLaunch: true, Value: 'wslb' }],
    });
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    template.hasResource('AWS::AutoScaling::AutoScalingGroup', {
      UpdatePolicy: { AutoScalingRollingUpdate: { MaxBatchSize: 1, MinInstancesInService: 2 } },
    });
  });

  test('dashboard: connections per node and upgrades per minute from the fleet metrics', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    expect(body).toContain('Connections per node');
    expect(body).toContain(`Fleet=\\\\\\"wslb\\\\\\" MetricName=\\\\\\"Connections\\\\\\"`);
    expect(body).toContain('Upgrades per minute');
    expect(body).toContain('\\"wslb\\",\\"Accepted\\",\\"Fleet\\",\\"wslb\\"');
  });
});
