import { CfnResource, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import awsManaged from './aws-managed-policies.json';
import { ACCOUNT, CfnResolver, REGION } from './cfn-resolve';

type Resource = { Type: string; Properties?: Record<string, unknown> };

export interface NamedPolicy {
  name: string;
  policy: unknown;
}

/**
 * A synthesized stack as the IAM evaluation needs it: resources found by type and construct path (paths are
 * what a reader of lib/ knows; logical ids follow from them), their deployed ARNs, and the identity policies
 * of a role, intrinsics resolved.
 */
export class StackView {
  readonly resolver: CfnResolver;
  private readonly resources: Record<string, Resource>;
  /** Logical id → construct path below the stack, e.g. `Core/Registry/Table/Resource`. */
  private readonly paths = new Map<string, string>();

  constructor(readonly stack: Stack) {
    this.resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    for (const c of stack.node.findAll()) {
      if (c instanceof CfnResource) {
        this.paths.set(stack.getLogicalId(c), c.node.path.split('/').slice(1).join('/'));
      }
    }
    this.resolver = new CfnResolver(this.resources, stack.stackName);
  }

  /** Logical ids of the resources of `type` whose construct path matches `path`. */
  find(type: string, path: RegExp = /./): string[] {
    return Object.entries(this.resources)
      .filter(([id, r]) => r.Type === type && path.test(this.paths.get(id) ?? ''))
      .map(([id]) => id);
  }

  /** The one resource of `type` at `path`; throws when there is none or several. */
  one(type: string, path: RegExp): string {
    const ids = this.find(type, path);
    if (ids.length !== 1) throw new Error(`${ids.length} ${type} at ${path}: ${ids.join(', ')}`);
    return ids[0]!;
  }

  ref(id: string): string {
    return this.resolver.ref(id);
  }

  attr(id: string, attribute: string): string {
    return this.resolver.attr(id, attribute);
  }

  /** An ARN in this stack's account and region. */
  arn(service: string, rest: string): string {
    return `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  }

  /** Whether anything under `path` refers to the resource `id` (its user data, environment, policies…). */
  refersTo(path: RegExp, id: string): boolean {
    const needle = new RegExp(`"(Ref|Fn::GetAtt)":(\\["|")${id}"`);
    return Object.entries(this.resources).some(
      ([other, r]) => path.test(this.paths.get(other) ?? '') && needle.test(JSON.stringify(r)),
    );
  }

  /** Whether a resource under `path` holds `text` in its properties (user data, an environment…). */
  mentions(path: RegExp, text: string): boolean {
    return Object.entries(this.resources).some(
      ([id, r]) => path.test(this.paths.get(id) ?? '') && JSON.stringify(r).includes(text),
    );
  }

  /**
   * Every identity policy of the role: its inline policies, the AWS::IAM::Policy resources attached to it and
   * its managed policies (AWS managed ones from aws-managed-policies.json; an unknown one throws).
   */
  identityPolicies(roleId: string): NamedPolicy[] {
    const role = this.resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
    const props = role.Properties ?? {};
    const inline = ((props.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ?? []).map((p) => ({
      name: p.PolicyName,
      policy: this.resolver.resolve(p.PolicyDocument),
    }));
    const attached = Object.entries(this.resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .filter(([, r]) =>
        ((r.Properties?.Roles as unknown[]) ?? []).some(
          (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
        ),
      )
      .map(([id, r]) => ({ name: id, policy: this.resolver.resolve(r.Properties!.PolicyDocument) }));
    const managed = ((this.resolver.resolve(props.ManagedPolicyArns ?? []) as string[]) ?? []).map((arn) => {
      const name = /^arn:aws:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
      const known = name && (awsManaged as Record<string, { document: unknown }>)[name];
      if (!known)
        throw new Error(`managed policy ${arn}: add its document to test/lib/iam/aws-managed-policies.json`);
      return { name: name!, policy: known.document };
    });
    return [...inline, ...attached, ...managed];
  }
}
