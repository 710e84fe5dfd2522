import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import type { Strategy } from '../../../runtime/contract/strategies';
import { DIRECT_ZONE, TLS_SECRETS } from '../tls-variants';
import { ACCOUNT, REGION } from './cfn-resolve';
import type { StackView } from './stack-view';

/**
 * Every AWS API call the runtime makes, by the role that makes it: THE table to extend when code starts
 * calling something new or a role changes (test/lib/iam-policy.test.ts evaluates each against the
 * synthesized policies). Gathered from runtime/ (SDK commands) and from the scripts lib/ writes onto the
 * instances (AWS CLI calls), plus what AWS's own agents do with the role (CloudWatch agent, Lambda logs).
 */

/** The roles the runtime runs as, found in the synthesized stack by construct path. */
export const ROLES = {
  node: {
    path: /^Core\/Fleet\/Role\/Resource$/,
    runs: 'the WS nodes (runtime/node), their boot, readiness and drain scripts (lib/fleet), the CloudWatch agent',
    in: ['nlb', 'haproxy', 'direct'],
  },
  auth: {
    path: /^Core\/Auth\/Role\/Resource$/,
    runs: 'the auth Lambda (runtime/auth)',
    in: ['nlb', 'haproxy', 'direct'],
  },
  haproxy: {
    path: /^Haproxy\/(.*\/)?Role\/Resource$/,
    runs: 'the HAProxy pair: agent, failover and lifecycle programs (runtime/haproxy), its boot script',
    in: ['haproxy'],
  },
} as const satisfies Record<string, { path: RegExp; runs: string; in: readonly Strategy[] }>;
export type RoleKey = keyof typeof ROLES;

export interface RuntimeCall {
  role: RoleKey;
  /** IAM action, e.g. `dynamodb:PutItem`. */
  action: string;
  /**
   * The ARNs it acts on in this stack (`*` for an action without resource-level permissions). An empty list
   * means the stack gives it nothing to act on, so the runtime does not make it there.
   */
  on: (s: StackView) => string[];
  /** The code that makes it (or, in DENIED, why it must stay denied). */
  by: string;
  /**
   * Request context the call carries: fixed (e.g. `dynamodb:LeadingKeys`), or keys AWS adds for the resource
   * (e.g. `ec2:Subnet` of an ENI). @default - none
   */
  context?:
    | Record<string, string | string[]>
    | ((s: StackView, resource: string) => Record<string, string | string[]>);
}

// Resources the calls act on, as the runtime names them (the ARN or id the stack hands it).
const ANY = () => ['*'];
const registry = (s: StackView) => [s.attr(s.one('AWS::DynamoDB::Table', /^Core\/Registry\//), 'Arn')];
const secret = (path: RegExp) => (s: StackView) => [s.ref(s.one('AWS::SecretsManager::Secret', path))];
const tokenSecret = secret(/^Core\/TokenSecret\//);
const usersSecret = secret(/^Core\/UsersSecret\//);
/** CDK's default bootstrap bucket for file assets, as the synthesized policies name it (`cdk-<qualifier>-assets-…`). */
const assetBucket = DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME.replace(
  /\$\{([^}]+)\}/g,
  (_, name: string) =>
    name === 'Qualifier'
      ? DefaultStackSynthesizer.DEFAULT_QUALIFIER
      : name === 'AWS::AccountId'
        ? ACCOUNT
        : REGION,
);
const bundleObject = () => [`arn:aws:s3:::${assetBucket}/${'0'.repeat(64)}.zip`];
const logStream = (path: RegExp, stream: string) => (s: StackView) => [
  s.arn('logs', `log-group:${s.ref(s.one('AWS::Logs::LogGroup', path))}:log-stream:${stream}`),
];
const nodeLogStream = logStream(/^Core\/NodeLogs\//, 'i-0123456789abcdef0');
const authLogStream = logStream(/^Core\/Auth\/Logs\//, '2026/11/30/[$LATEST]0123456789abcdef');
const thisStack = (s: StackView) => [s.resolver.stackArn];
const PAIR = /^Haproxy\//;
const pairEnis = (s: StackView) =>
  s.find('AWS::EC2::NetworkInterface', PAIR).map((id) => s.arn('ec2', `network-interface/${s.ref(id)}`));
/** The pair's subnets (one per side): each pair instance's own ENI, created at launch, lives in one. */
const pairSubnets = (s: StackView) =>
  s.find('AWS::EC2::Subnet', /^Core\/Network\/Vpc\/pairSubnet/).filter((id) => s.refersTo(PAIR, id));
/** A pair instance's own ENI (launched by its group, so no resource in the template), one per side. */
const OWN_ENI = (side: number) =>
  `arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0a0a0a0a0a0a0a0a${side}`;
const ownEnis = (s: StackView) =>
  s.find('AWS::AutoScaling::AutoScalingGroup', PAIR).length
    ? pairSubnets(s).map((_, side) => OWN_ENI(side))
    : [];
/** AWS puts the ENI's subnet into the request context: the pair's policy allows only its own subnets. */
const eniInSubnet =
  (subnets: (s: StackView) => string[]) =>
  (s: StackView, resource: string): Record<string, string> => {
    const side = Number(resource.at(-1));
    const subnet = subnets(s)[Number.isNaN(side) ? 0 : side];
    return subnet ? { 'ec2:Subnet': s.arn('ec2', `subnet/${s.ref(subnet)}`) } : {};
  };
const ownSubnet = eniInSubnet(pairSubnets);
const nodeSubnets = (s: StackView) => s.find('AWS::EC2::Subnet', /^Core\/Network\/Vpc\/nodesSubnet/);
const pairEip = (s: StackView) =>
  s.find('AWS::EC2::EIP', PAIR).map((id) => s.arn('ec2', `elastic-ip/${s.attr(id, 'AllocationId')}`));
/** Route tables the pair's overlay route lives in: those its configuration names. */
const overlayTables = (s: StackView) =>
  s.mentions(PAIR, 'OVERLAY_ROUTE_TABLE_IDS')
    ? s
        .find('AWS::EC2::RouteTable')
        .filter((id) => s.refersTo(PAIR, id))
        .map((id) => s.arn('ec2', `route-table/${s.ref(id)}`))
    : [];
const groupArn = (s: StackView, id: string) =>
  s.arn(
    'autoscaling',
    `autoScalingGroup:0b0b0b0b-1c1c-2d2d-3e3e-4f4f4f4f4f4f:autoScalingGroupName/${s.ref(id)}`,
  );
const pairGroups = (s: StackView) =>
  s.find('AWS::AutoScaling::AutoScalingGroup', PAIR).map((id) => groupArn(s, id));
const nodeGroup = (s: StackView) =>
  s.find('AWS::AutoScaling::AutoScalingGroup', /^Core\/Fleet\//).map((id) => groupArn(s, id));
const when = (made: (s: StackView) => boolean, on: (s: StackView) => string[]) => (s: StackView) =>
  made(s) ? on(s) : [];
const hasTargetGroups = (s: StackView) => s.find('AWS::ElasticLoadBalancingV2::TargetGroup').length > 0;
const hasPrivateVip = (s: StackView) => s.mentions(PAIR, 'VIP_PRIVATE_IP=');
const FLEET = /^Core\/Fleet\//;
/** `direct` over wss: the nodes' wildcard certificate, their hosted zone, a change Route 53 hands back. */
const directNamed = (s: StackView) => s.mentions(FLEET, `DNS_HOSTED_ZONE_ID=${DIRECT_ZONE.id}`);
const directCertificate = when(directNamed, () => [TLS_SECRETS.direct]);
const directZone = when(directNamed, () => [`arn:aws:route53:::hostedzone/${DIRECT_ZONE.id}`]);
const OTHER_ZONE = () => ['arn:aws:route53:::hostedzone/Z9999999999OTHERZONE'];
/** The request context of a node's change of its own record (runtime/node/public-name.ts). */
const ownRecord = (action: string, name = `i-0123456789abcdef0.${DIRECT_ZONE.name}`, type = 'A') => ({
  'route53:ChangeResourceRecordSetsNormalizedRecordNames': [name],
  'route53:ChangeResourceRecordSetsRecordTypes': [type],
  'route53:ChangeResourceRecordSetsActions': [action],
});
/** The pair's certificate secret, when the stack terminates TLS on the pair. */
const pairCertificate = (s: StackView) =>
  s.mentions(PAIR, `TLS_CERT_SECRET_ARN=${TLS_SECRETS.haproxy}`) ? [TLS_SECRETS.haproxy] : [];

export const ALLOWED: RuntimeCall[] = [
  // WS nodes
  {
    role: 'node',
    action: 's3:GetObject',
    on: bundleObject,
    by: 'lib/shell.ts s3CopyCommand (node boot: the runtime bundle)',
  },
  {
    role: 'node',
    action: 'secretsmanager:GetSecretValue',
    on: tokenSecret,
    by: 'runtime/shared/secret-source.ts (token key)',
  },
  {
    role: 'node',
    action: 'dynamodb:PutItem',
    on: registry,
    by: 'runtime/registry/dynamodb-registry.ts (heartbeat)',
  },
  {
    role: 'node',
    action: 'dynamodb:UpdateItem',
    on: registry,
    by: 'runtime/registry/dynamodb-registry.ts (state)',
  },
  {
    role: 'node',
    action: 'dynamodb:DeleteItem',
    on: registry,
    by: 'runtime/registry/dynamodb-registry.ts (deregister)',
  },
  {
    role: 'node',
    action: 'dynamodb:GetItem',
    on: registry,
    by: 'runtime/registry/dynamodb-registry.ts currentPath (runtime/node/path-watch.ts)',
    context: { 'dynamodb:LeadingKeys': ['#path'] },
  },
  {
    role: 'node',
    action: 'logs:CreateLogStream',
    on: nodeLogStream,
    by: 'CloudWatch agent (lib/fleet/node-user-data.ts)',
  },
  {
    role: 'node',
    action: 'logs:PutLogEvents',
    on: nodeLogStream,
    by: 'CloudWatch agent (lib/fleet/node-user-data.ts)',
  },
  {
    role: 'node',
    action: 'autoscaling:DescribeAutoScalingGroups',
    on: ANY,
    by: 'lib/fleet/node-shell.ts target_groups',
  },
  {
    role: 'node',
    action: 'elasticloadbalancing:DescribeTargetHealth',
    on: when(hasTargetGroups, ANY),
    by: 'lib/fleet/node-shell.ts target_state (ready and drain-watch scripts)',
  },
  { role: 'node', action: 'cloudformation:SignalResource', on: thisStack, by: 'lib/fleet/node-ready.ts' },
  {
    role: 'node',
    action: 'secretsmanager:GetSecretValue',
    on: directCertificate,
    by: 'runtime/node/node-tls.ts (wildcard certificate, direct over wss)',
  },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: directZone,
    context: ownRecord('UPSERT'),
    by: 'runtime/node/public-name.ts publishName (its name at start)',
  },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: directZone,
    context: ownRecord('DELETE'),
    by: 'runtime/node/public-name.ts remove (at drain)',
  },
  {
    role: 'node',
    action: 'route53:GetChange',
    on: when(directNamed, () => ['arn:aws:route53:::change/C0123456789ABCDEF']),
    by: 'runtime/node/public-name.ts publishName (waits for INSYNC)',
  },
  // auth Lambda
  {
    role: 'auth',
    action: 'secretsmanager:GetSecretValue',
    on: tokenSecret,
    by: 'runtime/shared/secret-source.ts (token key)',
  },
  {
    role: 'auth',
    action: 'secretsmanager:GetSecretValue',
    on: usersSecret,
    by: 'runtime/shared/secret-source.ts (users)',
  },
  { role: 'auth', action: 'dynamodb:Scan', on: registry, by: 'runtime/registry/dynamodb-registry.ts (list)' },
  { role: 'auth', action: 'logs:CreateLogStream', on: authLogStream, by: 'Lambda runtime logs' },
  { role: 'auth', action: 'logs:PutLogEvents', on: authLogStream, by: 'Lambda runtime logs' },
  // HAProxy pair
  {
    role: 'haproxy',
    action: 's3:GetObject',
    on: bundleObject,
    by: 'lib/shell.ts s3CopyCommand (pair boot: the bundle)',
  },
  {
    role: 'haproxy',
    action: 'ec2:DescribeInstances',
    on: ANY,
    by: 'runtime/haproxy/discovery/ec2-backend-source.ts',
  },
  {
    role: 'haproxy',
    action: 'ec2:DescribeNetworkInterfaces',
    on: when(hasPrivateVip, ANY),
    by: 'runtime/haproxy/failover/vip-mover.ts',
  },
  { role: 'haproxy', action: 'ec2:DescribeAddresses', on: ANY, by: 'runtime/haproxy/failover/vip-mover.ts' },
  {
    role: 'haproxy',
    action: 'ec2:AssignPrivateIpAddresses',
    on: when(hasPrivateVip, pairEnis),
    by: 'runtime/haproxy/failover/vip-mover.ts (private VIP to its own ENI)',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssociateAddress',
    on: pairEip,
    by: 'runtime/haproxy/failover/vip-mover.ts (the EIP)',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssociateAddress',
    on: pairEnis,
    by: 'runtime/haproxy/failover/vip-mover.ts (to its ENI)',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssociateAddress',
    on: ownEnis,
    context: ownSubnet,
    by: 'runtime/haproxy/failover/vip-mover.ts (the EIP to its own ENI, either AZ)',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssignPrivateIpAddresses',
    on: ownEnis,
    context: ownSubnet,
    by: "lib/haproxy/haproxy-user-data.ts (boot: the side's pair address and source IPs)",
  },
  {
    role: 'haproxy',
    action: 'ec2:ModifyNetworkInterfaceAttribute',
    on: ownEnis,
    context: ownSubnet,
    by: 'lib/haproxy/haproxy-user-data.ts (boot: source/destination check off for the overlay IP)',
  },
  {
    role: 'haproxy',
    action: 'cloudformation:SignalResource',
    on: (s) => (s.find('AWS::AutoScaling::AutoScalingGroup', PAIR).length ? thisStack(s) : []),
    by: 'lib/haproxy/haproxy-user-data.ts (boot: the rolling update waits for it)',
  },
  {
    role: 'haproxy',
    action: 'ec2:DescribeRouteTables',
    on: (s) => (overlayTables(s).length ? ['*'] : []),
    by: 'runtime/haproxy/failover/vip-mover.ts (overlay IP)',
  },
  {
    role: 'haproxy',
    action: 'ec2:ReplaceRoute',
    on: overlayTables,
    by: 'runtime/haproxy/failover/vip-mover.ts (overlay IP)',
  },
  {
    role: 'haproxy',
    action: 'ec2:CreateRoute',
    on: overlayTables,
    by: 'runtime/haproxy/failover/vip-mover.ts (overlay IP)',
  },
  {
    role: 'haproxy',
    action: 'secretsmanager:GetSecretValue',
    on: pairCertificate,
    by: 'runtime/shared/tls-refresh.ts via runtime/haproxy/agent/main.ts startCertificate (TLS bundle)',
  },
  {
    role: 'haproxy',
    action: 'autoscaling:DescribeAutoScalingGroups',
    on: (s) => (pairGroups(s).length ? ['*'] : []),
    by: 'runtime/haproxy/lifecycle/pair-view.ts',
  },
  {
    role: 'haproxy',
    action: 'autoscaling:CompleteLifecycleAction',
    on: pairGroups,
    by: 'runtime/haproxy/lifecycle/lifecycle-action.ts',
  },
  {
    role: 'haproxy',
    action: 'autoscaling:RecordLifecycleActionHeartbeat',
    on: pairGroups,
    by: 'runtime/haproxy/lifecycle/lifecycle-action.ts',
  },
];

const FOREIGN_ENI = 'arn:aws:ec2:eu-west-1:123456789012:network-interface/eni-0f0f0f0f0f0f0f0f0';
const FOREIGN_EIP = 'arn:aws:ec2:eu-west-1:123456789012:elastic-ip/eipalloc-0f0f0f0f0f0f0f0f0';
const FOREIGN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:someone-elses-AbCdEf';
const AN_INSTANCE = () => ['arn:aws:ec2:eu-west-1:123456789012:instance/i-0f0f0f0f0f0f0f0f0'];
const otherStack = () => [
  'arn:aws:cloudformation:eu-west-1:123456789012:stack/other/0b0b0b0b-0000-0000-0000-000000000000',
];
/** Route tables the pair must never change: every one in the stack that is not an overlay table. */
const otherTables = (s: StackView) => {
  const overlay = new Set(overlayTables(s));
  return s
    .find('AWS::EC2::RouteTable')
    .map((id) => s.arn('ec2', `route-table/${s.ref(id)}`))
    .filter((arn) => !overlay.has(arn));
};

/** Calls that must stay denied: what a compromised or buggy process of that role must not be able to do. */
export const DENIED: RuntimeCall[] = [
  {
    role: 'node',
    action: 'secretsmanager:GetSecretValue',
    on: usersSecret,
    by: 'a node never sees password hashes',
  },
  {
    role: 'node',
    action: 'dynamodb:Scan',
    on: registry,
    by: "a node writes its own entry, never reads the others'",
  },
  { role: 'node', action: 'dynamodb:DeleteTable', on: registry, by: 'the registry is the stack’s' },
  {
    role: 'node',
    action: 'dynamodb:GetItem',
    on: registry,
    by: 'a node reads the current path, not the other nodes’ entries',
    context: { 'dynamodb:LeadingKeys': ['i-0123456789abcdef0'] },
  },
  {
    role: 'node',
    action: 's3:PutObject',
    on: bundleObject,
    by: 'a node cannot replace the code the others boot',
  },
  { role: 'node', action: 'ec2:AssignPrivateIpAddresses', on: pairEnis, by: 'only the pair moves the VIP' },
  { role: 'node', action: 'ec2:TerminateInstances', on: AN_INSTANCE, by: 'nodes do not manage instances' },
  { role: 'node', action: 'cloudformation:SignalResource', on: otherStack, by: 'signals only its own stack' },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: directZone,
    context: ownRecord('UPSERT', DIRECT_ZONE.name),
    by: "the zone's own name (its apex) is the operator's",
  },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: directZone,
    context: ownRecord('UPSERT', 'www.example.com'),
    by: 'only names under the zone name the stack was given',
  },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: directZone,
    context: ownRecord('UPSERT', `i-0123456789abcdef0.${DIRECT_ZONE.name}`, 'TXT'),
    by: 'A records only (a TXT record could pass an ACME DNS challenge for the zone)',
  },
  {
    role: 'node',
    action: 'route53:ChangeResourceRecordSets',
    on: when(directNamed, OTHER_ZONE),
    context: ownRecord('UPSERT'),
    by: 'only the hosted zone the stack was given',
  },
  {
    role: 'node',
    action: 'route53:DeleteHostedZone',
    on: directZone,
    by: 'the zone is the operator’s',
  },
  { role: 'auth', action: 'dynamodb:PutItem', on: registry, by: 'auth only reads the registry' },
  { role: 'auth', action: 'dynamodb:DeleteItem', on: registry, by: 'auth only reads the registry' },
  {
    role: 'auth',
    action: 'secretsmanager:PutSecretValue',
    on: usersSecret,
    by: 'users are changed by the operator (wslb users)',
  },
  {
    role: 'auth',
    action: 'secretsmanager:GetSecretValue',
    on: () => [FOREIGN_SECRET],
    by: 'only its two secrets',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssignPrivateIpAddresses',
    on: () => [FOREIGN_ENI],
    by: 'only the pair’s own ENIs',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssignPrivateIpAddresses',
    on: (s) => (nodeSubnets(s).length ? [FOREIGN_ENI] : []),
    context: eniInSubnet(nodeSubnets),
    by: 'not an ENI in another subnet (a node’s)',
  },
  {
    role: 'haproxy',
    action: 'ec2:ModifyNetworkInterfaceAttribute',
    on: (s) => (nodeSubnets(s).length ? [FOREIGN_ENI] : []),
    context: eniInSubnet(nodeSubnets),
    by: 'turns off the source/destination check of its own ENI only',
  },
  {
    role: 'haproxy',
    action: 'cloudformation:SignalResource',
    on: otherStack,
    by: 'signals only its own stack',
  },
  {
    role: 'haproxy',
    action: 'ec2:AssociateAddress',
    on: () => [FOREIGN_EIP],
    by: 'only the pair’s Elastic IP',
  },
  {
    role: 'haproxy',
    action: 'ec2:ReleaseAddress',
    on: pairEip,
    by: 'releasing the public VIP loses it for good',
  },
  {
    role: 'haproxy',
    action: 'ec2:DisassociateAddress',
    on: pairEip,
    by: 'the failover moves the EIP, never detaches it',
  },
  { role: 'haproxy', action: 'ec2:ReplaceRoute', on: otherTables, by: 'only the overlay route tables' },
  {
    role: 'haproxy',
    action: 'ec2:TerminateInstances',
    on: AN_INSTANCE,
    by: 'the pair does not manage instances',
  },
  {
    role: 'haproxy',
    action: 'secretsmanager:GetSecretValue',
    on: tokenSecret,
    by: 'HAProxy never handles tokens',
  },
  {
    role: 'haproxy',
    action: 'secretsmanager:GetSecretValue',
    on: () => [TLS_SECRETS.direct, FOREIGN_SECRET],
    by: 'only its own certificate',
  },
  {
    role: 'node',
    action: 'secretsmanager:GetSecretValue',
    on: () => [TLS_SECRETS.haproxy],
    by: "a node never reads the pair's private key",
  },
  { role: 'haproxy', action: 'dynamodb:Scan', on: registry, by: 'discovery goes by EC2 tags' },
  {
    role: 'haproxy',
    action: 'autoscaling:CompleteLifecycleAction',
    on: nodeGroup,
    by: "not the nodes' hooks",
  },
  {
    role: 'haproxy',
    action: 'autoscaling:SetDesiredCapacity',
    on: nodeGroup,
    by: 'the pair does not scale the nodes',
  },
];
