import { createHash } from 'node:crypto';

/** The account and region the synthesized stack is evaluated in. */
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const hex = (s: string, n: number) => createHash('sha256').update(s).digest('hex').slice(0, n);

/**
 * The physical ids and attributes CloudFormation would give a resource, in the shapes AWS documents for each
 * type (`Ref` returns an ARN for a secret, a name for a table…). Unknown types and attributes throw, naming
 * what to add here.
 */
function physical(
  id: string,
  type: string,
  stackName: string,
  properties: Record<string, unknown> = {},
): { ref: string; attrs: Record<string, string> } {
  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return { ref: id, attrs: { Arn: arn('dynamodb', `table/${id}`) } };
    case 'AWS::SecretsManager::Secret':
      return { ref: arn('secretsmanager', `secret:${id}-${hex(id, 6)}`), attrs: {} };
    case 'AWS::Logs::LogGroup':
      return { ref: id, attrs: { Arn: arn('logs', `log-group:${id}:*`) } };
    case 'AWS::EC2::NetworkInterface':
      return { ref: `eni-${hex(id, 17)}`, attrs: { PrimaryPrivateIpAddress: '10.40.2.4' } };
    case 'AWS::EC2::EIP':
      return {
        ref: '198.51.100.7',
        attrs: { AllocationId: `eipalloc-${hex(id, 17)}`, PublicIp: '198.51.100.7' },
      };
    case 'AWS::EC2::RouteTable':
      return { ref: `rtb-${hex(id, 17)}`, attrs: {} };
    case 'AWS::EC2::Instance':
      return { ref: `i-${hex(id, 17)}`, attrs: {} };
    case 'AWS::EC2::VPC':
      return { ref: `vpc-${hex(id, 17)}`, attrs: {} };
    case 'AWS::EC2::Subnet':
      return { ref: `subnet-${hex(id, 17)}`, attrs: {} };
    case 'AWS::EC2::SecurityGroup':
      return { ref: `sg-${hex(id, 17)}`, attrs: { GroupId: `sg-${hex(id, 17)}` } };
    case 'AWS::EC2::LaunchTemplate':
      return { ref: `lt-${hex(id, 17)}`, attrs: { LatestVersionNumber: '1', DefaultVersionNumber: '1' } };
    case 'AWS::AutoScaling::AutoScalingGroup':
      // A group named in the template keeps that name; CloudFormation makes one up otherwise.
      return {
        ref: typeof properties.AutoScalingGroupName === 'string' ? properties.AutoScalingGroupName : id,
        attrs: {},
      };
    case 'AWS::IAM::Role':
      return { ref: id, attrs: { Arn: `arn:aws:iam::${ACCOUNT}:role/${id}`, RoleId: `AROA${hex(id, 16)}` } };
    case 'AWS::IAM::InstanceProfile':
      return { ref: id, attrs: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${id}` } };
    case 'AWS::Lambda::Function':
      return { ref: id, attrs: { Arn: arn('lambda', `function:${id}`) } };
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      return { ref: arn('elasticloadbalancing', `targetgroup/${id.slice(0, 32)}/${hex(id, 16)}`), attrs: {} };
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return {
        ref: arn('elasticloadbalancing', `loadbalancer/net/${id.slice(0, 32)}/${hex(id, 16)}`),
        attrs: {},
      };
    default:
      return { ref: `${id}-${stackName}`, attrs: {} };
  }
}

/**
 * Resolves CloudFormation intrinsic functions in a synthesized template value to what they would be once
 * deployed in ACCOUNT/REGION, so a policy can be evaluated against concrete ARNs. Handles what CDK emits in
 * IAM policies (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split); anything else throws.
 */
export class CfnResolver {
  readonly stackArn: string;

  constructor(
    private readonly resources: Resources,
    readonly stackName: string,
  ) {
    this.stackArn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/0b0b0b0b-1c1c-2d2d-3e3e-4f4f4f4f4f4f`;
  }

  private pseudo(name: string): string | undefined {
    return {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::StackName': this.stackName,
      'AWS::StackId': this.stackArn,
      'AWS::URLSuffix': 'amazonaws.com',
    }[name];
  }

  ref(name: string): string {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) return pseudo;
    const resource = this.resources[name];
    if (!resource) throw new Error(`Ref to ${name}: no such resource`);
    return physical(name, resource.Type, this.stackName, resource.Properties).ref;
  }

  attr(name: string, attribute: string): string {
    const resource = this.resources[name];
    if (!resource) throw new Error(`Fn::GetAtt ${name}.${attribute}: no such resource`);
    const value = physical(name, resource.Type, this.stackName, resource.Properties).attrs[attribute];
    if (value === undefined)
      throw new Error(`Fn::GetAtt ${name}.${attribute} (${resource.Type}): add it to cfn-resolve.ts`);
    return value;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key && (key === 'Ref' || key.startsWith('Fn::')))
      return this.intrinsic(key, arg);
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  private intrinsic(fn: string, arg: unknown): unknown {
    const str = (v: unknown) => String(this.resolve(v));
    switch (fn) {
      case 'Ref':
        return this.ref(arg as string);
      case 'Fn::GetAtt': {
        const [name, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
        return this.attr(name as string, attribute as string);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).join(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return str(vars[name]);
          const [resource, attribute] = name.split('.');
          return attribute && !name.startsWith('AWS::') ? this.attr(resource!, attribute) : this.ref(name);
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        return (this.resolve(list) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return str(text).split(sep);
      }
      default:
        throw new Error(`${fn}: not resolved by cfn-resolve.ts`);
    }
  }
}
