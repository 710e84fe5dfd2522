import type { Template } from 'aws-cdk-lib/assertions';

/** What a `Ref` stands for at deploy, by resource type: a value of the same shape. */
const REF: Record<string, string> = {
  'AWS::SecretsManager::Secret': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wslb-AbCdEf',
  'AWS::DynamoDB::Table': 'wslb-registry-AbCdEf',
  'AWS::EC2::EIP': '198.51.100.7',
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
};

/** What an `Fn::GetAtt` stands for, by resource type and attribute. */
const GET_ATT: Record<string, string> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName': 'wslb-nlb-0123456789.elb.eu-west-1.amazonaws.com',
};

/**
 * A template value with every CloudFormation token replaced by a placeholder of the shape it takes at
 * deploy, so a runtime settings schema can parse it. An unknown token throws: add its placeholder.
 */
export function resolvePlaceholders(value: unknown, template: Template): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const token = value as Record<string, unknown>;
  const typeOf = (id: string) => resources[id]?.Type ?? id;
  let placeholder: string | undefined;
  if (typeof token.Ref === 'string') placeholder = REF[typeOf(token.Ref)];
  const getAtt = token['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) placeholder = GET_ATT[`${typeOf(getAtt[0])}.${getAtt[1]}`];
  const join = token['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) placeholder = join[1].map((part) => resolvePlaceholders(part, template)).join(join[0]);
  if (placeholder === undefined) throw new Error(`no placeholder for ${JSON.stringify(value)}`);
  return placeholder;
}

/** A Lambda function's environment with its tokens resolved to placeholders. */
export function resolvedEnvironment(variables: Record<string, unknown>, template: Template) {
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [key, resolvePlaceholders(value, template)]),
  );
}
