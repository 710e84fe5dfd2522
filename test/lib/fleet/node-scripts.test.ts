import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { renderDrainWatchScript } from '../../../lib/fleet/drain-watch';
import { renderNodeReadyScript } from '../../../lib/fleet/node-ready';
import { describeWithTool } from '../../runtime/haproxy/helpers/tools';

const SHELL = { region: 'eu-west-1', port: 8080 };
const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/wslb/0123456789abcdef';
const readyScript = (deadlineSeconds = 600) =>
  renderNodeReadyScript({
    ...SHELL,
    stackName: 'wslb',
    groupLogicalId: 'CoreFleetAsgASG29CC2242',
    deadline: Duration.seconds(deadlineSeconds),
  });

/**
 * A node's view of AWS, faked on PATH: `curl` answers IMDS from files and `/healthz` from a flag, `aws` logs
 * its arguments and answers the two Describe calls from files, `systemctl` logs. Nothing leaves the machine.
 */
class FakeNode {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'wslb-node-scripts-'));
  private readonly bin = path.join(this.dir, 'bin');

  constructor() {
    mkdirSync(path.join(this.dir, 'imds', 'tags', 'instance'), { recursive: true });
    mkdirSync(path.join(this.dir, 'imds', 'autoscaling'), { recursive: true });
    mkdirSync(this.bin);
    this.tool(
      'curl',
      'for url; do :; done',
      'echo "$url" >> "$FAKE/curl.log"',
      'case "$url" in',
      '  */api/token) echo token ;;',
      '  */meta-data/*) f="$FAKE/imds/$(sed "s|.*/meta-data/||" <<<"$url")"; if [ -f "$f" ]; then cat "$f"; else exit 22; fi ;;',
      '  */healthz) [ -f "$FAKE/serving" ] || exit 22 ;;',
      '  *) exit 7 ;;',
      'esac',
    );
    this.tool(
      'aws',
      'echo "$*" >> "$FAKE/aws.log"',
      'case "$1 $2" in',
      '  "autoscaling describe-auto-scaling-groups") cat "$FAKE/target-groups" ;;',
      '  "elbv2 describe-target-health") cat "$FAKE/target-state" ;;',
      'esac',
    );
    this.tool('systemctl', 'echo "$*" >> "$FAKE/systemctl.log"');
    this.set('imds/instance-id', 'i-0abc');
    this.set('imds/tags/instance/aws:autoscaling:groupName', 'wslb-CoreFleetAsg-XYZ');
    this.set('imds/autoscaling/target-lifecycle-state', 'InService');
    this.set('target-groups', 'None');
  }

  set(file: string, content: string): void {
    writeFileSync(path.join(this.dir, file), `${content}\n`);
  }

  serving(): void {
    this.set('serving', '');
  }

  log(name: 'aws' | 'systemctl' | 'curl'): string {
    const file = path.join(this.dir, `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  run(script: string, args: string[] = []) {
    return spawnSync('bash', ['-c', script, 'script', ...args], { env: this.env(), encoding: 'utf8' });
  }

  start(script: string): ChildProcess {
    return spawn('bash', ['-c', script], { env: this.env(), stdio: 'ignore' });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private env() {
    return { PATH: `${this.bin}:${process.env.PATH}`, FAKE: this.dir };
  }

  private tool(name: string, ...lines: string[]): void {
    const file = path.join(this.bin, name);
    writeFileSync(file, ['#!/bin/bash', ...lines, ''].join('\n'));
    chmodSync(file, 0o755);
  }
}

/** Waits (bounded) until `done()` holds. */
async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

describeWithTool('shellcheck', 'apt-get install shellcheck')('node scripts pass shellcheck', () => {
  test.each([
    ['readiness', readyScript()],
    ['drain watch', renderDrainWatchScript(SHELL)],
  ])('%s', (_name, script) => {
    const result = spawnSync('shellcheck', ['--shell=bash', '-'], { input: script, encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('readiness signal (run with a fake IMDS, AWS CLI and systemctl)', () => {
  let node: FakeNode;
  beforeEach(() => {
    node = new FakeNode();
  });
  afterEach(() => node.remove());

  const signals = () =>
    node
      .log('aws')
      .split('\n')
      .filter((l) => l.startsWith('cloudformation signal-resource'));

  test('outside nlb: SUCCESS once /healthz answers, for this instance and the node group', () => {
    node.serving();
    const result = node.run(readyScript());
    expect(result.status).toBe(0);
    expect(signals()).toEqual([
      'cloudformation signal-resource --region eu-west-1 --stack-name wslb --logical-resource-id ' +
        'CoreFleetAsgASG29CC2242 --unique-id i-0abc --status SUCCESS',
    ]);
    expect(node.log('aws')).toContain(
      'autoscaling describe-auto-scaling-groups --region eu-west-1 --auto-scaling-group-names wslb-CoreFleetAsg-XYZ',
    );
  });

  test('under nlb: SUCCESS only once healthy in the target group', () => {
    node.serving();
    node.set('target-groups', TG);
    node.set('target-state', 'healthy');
    expect(node.run(readyScript()).status).toBe(0);
    expect(node.log('aws')).toContain(
      `elbv2 describe-target-health --region eu-west-1 --target-group-arn ${TG} --targets Id=i-0abc,Port=8080`,
    );
    expect(signals()).toHaveLength(1);
    expect(signals()[0]).toMatch(/--status SUCCESS$/);
  });

  test('not healthy in its target group by the deadline: FAILURE, exit 1', () => {
    node.serving();
    node.set('target-groups', TG);
    node.set('target-state', 'initial');
    const result = node.run(readyScript(0));
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('wslb-node-ready: not ready after 0 s');
    expect(signals()).toHaveLength(1);
    expect(signals()[0]).toMatch(/--status FAILURE$/);
  });

  test('not serving /healthz by the deadline: FAILURE', () => {
    expect(node.run(readyScript(0)).status).toBe(1);
    expect(signals()[0]).toMatch(/--status FAILURE$/);
  });

  test('--failed (a boot step failed): FAILURE at once', () => {
    expect(node.run(readyScript(), ['--failed']).status).toBe(0);
    expect(signals()).toHaveLength(1);
    expect(signals()[0]).toMatch(/--status FAILURE$/);
  });
});

describe('drain watch (run with a fake IMDS, AWS CLI and systemctl)', () => {
  let node: FakeNode;
  let watch: ChildProcess | undefined;
  beforeEach(() => {
    node = new FakeNode();
  });
  afterEach(async () => {
    if (watch && watch.exitCode === null) {
      watch.kill('SIGKILL');
      await exited(watch);
    }
    watch = undefined;
    node.remove();
  });

  test('Auto Scaling terminating the node (IMDS target state Terminated): the node service is stopped', async () => {
    node.set('imds/autoscaling/target-lifecycle-state', 'Terminated');
    watch = node.start(renderDrainWatchScript(SHELL));
    expect(await exited(watch)).toBe(0);
    expect(node.log('systemctl')).toBe('stop wslb-node.service\n');
  });

  test('the NLB deregistering the node (target state draining): stopped before Auto Scaling says anything', async () => {
    node.set('target-groups', `${TG}\tNone`);
    node.set('target-state', 'draining');
    watch = node.start(renderDrainWatchScript(SHELL));
    expect(await exited(watch)).toBe(0);
    expect(node.log('systemctl')).toBe('stop wslb-node.service\n');
    expect(node.log('aws')).toContain(
      `elbv2 describe-target-health --region eu-west-1 --target-group-arn ${TG}`,
    );
  });

  test.each(['healthy', 'unused', 'initial', 'unhealthy'])(
    'target state %s while in service: the node keeps serving',
    async (state) => {
      node.set('target-groups', TG);
      node.set('target-state', state);
      watch = node.start(renderDrainWatchScript(SHELL));
      // A second round has begun: the first read the target health and went on to sleep, not to drain.
      const lifecycleReads = () => node.log('curl').split('target-lifecycle-state').length - 1;
      await until(() => lifecycleReads() >= 2, 'a second round of the watch');
      expect(node.log('aws')).toContain('describe-target-health');
      expect(watch.exitCode).toBeNull();
      expect(node.log('systemctl')).toBe('');
    },
  );
});
