/**
 * The slice of Auto Scaling the pair's lifecycle program touches, for the roll scenario: two one-instance
 * groups with their launch template version, their instances' lifecycle states, the pending lifecycle actions,
 * and each instance's IMDS target lifecycle state. The scenario plays CloudFormation and Auto Scaling through
 * {@link PairCloud}'s methods; the real `@aws-sdk/client-auto-scaling` of the lifecycle program reaches
 * {@link PairCloud.answer} through the Query API.
 */

export interface CloudInstance {
  id: string;
  group: string;
  version: string;
  /** `Pending:Wait`, `InService`, `Terminating:Wait`. */
  state: string;
  /** What IMDS's `autoscaling/target-lifecycle-state` answers. */
  target: string;
}

export interface LifecycleCompletion {
  at: number;
  instance: string;
  hook: string;
  result: string;
}

const XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
const ok = (action: string, result: string) =>
  `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>chaos-${Date.now()}</RequestId></ResponseMetadata></${action}Response>`;
const fault = (code: string, message: string) =>
  `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>chaos</RequestId></ErrorResponse>`;

export class PairCloud {
  readonly versions = new Map<string, string>();
  readonly instances = new Map<string, CloudInstance>();
  readonly completions: LifecycleCompletion[] = [];

  constructor(
    groups: readonly string[],
    private readonly hooks: { launch: string; terminate: string },
  ) {
    for (const group of groups) this.versions.set(group, '1');
  }

  /** Auto Scaling launches an instance of `group` from its current version; it waits in its launch hook. */
  launch(group: string, id: string): CloudInstance {
    const instance = {
      id,
      group,
      version: this.versions.get(group)!,
      state: 'Pending:Wait',
      target: 'InService',
    };
    this.instances.set(id, instance);
    return instance;
  }

  /** Auto Scaling starts terminating an instance: it waits in its termination hook. */
  terminate(id: string): void {
    const instance = this.instances.get(id)!;
    instance.state = 'Terminating:Wait';
    instance.target = 'Terminated';
  }

  /** The instance is gone (after its termination hook). */
  remove(id: string): void {
    this.instances.delete(id);
  }

  answer(action: string, p: Record<string, string>): { status: number; body: string } {
    if (action === 'DescribeAutoScalingGroups') {
      const names = Object.keys(p)
        .filter((k) => k.startsWith('AutoScalingGroupNames.member.'))
        .map((k) => p[k]!);
      const groups = names.map((name) => {
        const version = this.versions.get(name) ?? '1';
        const members = [...this.instances.values()]
          .filter((i) => i.group === name)
          .map(
            (i) =>
              `<member><InstanceId>${i.id}</InstanceId><AvailabilityZone>chaos-${name}</AvailabilityZone><LifecycleState>${i.state}</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn><LaunchTemplate><LaunchTemplateId>lt-0c4a05e1</LaunchTemplateId><Version>${i.version}</Version></LaunchTemplate></member>`,
          );
        return `<member><AutoScalingGroupName>${name}</AutoScalingGroupName><LaunchTemplate><LaunchTemplateId>lt-0c4a05e1</LaunchTemplateId><Version>${version}</Version></LaunchTemplate><MinSize>1</MinSize><MaxSize>1</MaxSize><DesiredCapacity>1</DesiredCapacity><Instances>${members.join('')}</Instances></member>`;
      });
      return { status: 200, body: ok(action, `<AutoScalingGroups>${groups.join('')}</AutoScalingGroups>`) };
    }
    if (action === 'CompleteLifecycleAction' || action === 'RecordLifecycleActionHeartbeat') {
      const instance = this.instances.get(p.InstanceId ?? '');
      const waitingOn =
        instance?.state === 'Pending:Wait'
          ? this.hooks.launch
          : instance?.state === 'Terminating:Wait'
            ? this.hooks.terminate
            : undefined;
      if (!instance || waitingOn !== p.LifecycleHookName || instance.group !== p.AutoScalingGroupName) {
        return {
          status: 400,
          body: fault('ValidationError', `No active Lifecycle Action found with instance ID ${p.InstanceId}`),
        };
      }
      if (action === 'CompleteLifecycleAction') {
        this.completions.push({
          at: Date.now(),
          instance: instance.id,
          hook: waitingOn,
          result: p.LifecycleActionResult ?? '',
        });
        // A completed launch puts the instance in service; a completed termination lets it go (the scenario
        // stops its processes and removes it).
        if (waitingOn === this.hooks.launch) instance.state = 'InService';
        else instance.state = 'Terminating:Proceed';
      }
      return { status: 200, body: ok(action, '') };
    }
    return { status: 400, body: fault('InvalidAction', action) };
  }

  /** IMDSv2 for one instance: the token, its id, its target lifecycle state. */
  imds(id: string, path: string, method: string): { status: number; body: string } {
    if (path === 'latest/api/token' && method === 'PUT') return { status: 200, body: `token-${id}` };
    const instance = this.instances.get(id);
    if (!instance) return { status: 404, body: '' };
    if (path === 'latest/meta-data/instance-id') return { status: 200, body: id };
    if (path === 'latest/meta-data/autoscaling/target-lifecycle-state')
      return { status: 200, body: instance.target };
    return { status: 404, body: '' };
  }
}
