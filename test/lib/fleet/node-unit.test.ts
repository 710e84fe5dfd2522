import { spawnSync } from 'node:child_process';
import { NODE_METRICS } from '../../../lib/dashboard';
import { type NodeEnvironment, renderEnvFile, renderNodeUnit } from '../../../lib/fleet/node-unit';
import { nodeSettingsSchema } from '../../../runtime/node/settings';
import { describeWithTool } from '../../runtime/haproxy/helpers/tools';
import { templateOf, userDataText } from '../helpers';

const ENV: NodeEnvironment = {
  HOST: '0.0.0.0',
  PORT: 8080,
  ENDPOINT_SOURCE: 'imds-private',
  MAX_CONNECTIONS: 10_000,
  PING_SECONDS: 25,
  DRAIN_SECONDS: 30,
  HEARTBEAT_MS: 2000,
  TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-AbCdEf',
  REGISTRY_TABLE: 'wslb-registry',
  TOKEN_AUDIENCE: 'wslb-nlb',
  AWS_REGION: 'eu-west-1',
  METRICS_FLEET: 'wslb-nlb',
};

/** Read by the AWS SDK and by the EMF metric lines (see lib/dashboard.ts), not by the settings schema. */
const NOT_SETTINGS = ['AWS_REGION', NODE_METRICS.fleetEnv];

describe('node unit and environment', () => {
  test('every variable the fleet writes is one the node service reads, and the result validates', () => {
    const settingsKeys = Object.keys(nodeSettingsSchema.shape);
    const written = Object.keys(ENV).filter((k) => !NOT_SETTINGS.includes(k));
    expect(written.filter((k) => !settingsKeys.includes(k))).toEqual([]);
    const env = Object.fromEntries(
      renderEnvFile(ENV)
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    const parsed = nodeSettingsSchema.safeParse(Object.fromEntries(written.map((k) => [k, env[k]])));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  test('an absent optional variable is left out of the file', () => {
    expect(renderEnvFile({ ...ENV, TOKEN_AUDIENCE: undefined })).not.toContain('TOKEN_AUDIENCE');
  });

  test('systemd stops the service with SIGTERM and waits out the drain window plus grace', () => {
    const unit = renderNodeUnit({ drainSeconds: 30, maxConnections: 200_000 });
    expect(unit).toContain('KillSignal=SIGTERM\n');
    expect(unit).toContain('TimeoutStopSec=45\n');
    expect(unit).toContain('LimitNOFILE=204096\n');
    expect(unit).toContain('User=wslb\n');
    expect(renderNodeUnit({ drainSeconds: 0, maxConnections: 10 })).toContain('LimitNOFILE=65536\n');
  });
});

describeWithTool('shellcheck', 'apt-get install shellcheck')('user data passes shellcheck', () => {
  const shellcheck = (script: string) =>
    spawnSync('shellcheck', ['--shell=bash', '--severity=warning', '-'], {
      input: script.replaceAll('{TOKEN}', 'TOKEN'),
      encoding: 'utf8',
    });

  test.each(['nlb', 'direct'])('node user data (%s)', (strategy) => {
    const template = templateOf({ strategy });
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate')).filter((r) =>
      JSON.stringify(r).includes('wslb-node.service'),
    ) as { Properties: { LaunchTemplateData: { UserData: unknown } } }[];
    const result = shellcheck(userDataText(lt!.Properties.LaunchTemplateData.UserData));
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test('haproxy user data (both sides share one launch template)', () => {
    const template = templateOf({ strategy: 'haproxy' });
    const lts = Object.values(template.findResources('AWS::EC2::LaunchTemplate')).filter((r) =>
      JSON.stringify(r).includes('wslb-pair-lifecycle'),
    ) as { Properties: { LaunchTemplateData: { UserData: unknown } } }[];
    expect(lts).toHaveLength(1);
    const result = shellcheck(userDataText(lts[0]!.Properties.LaunchTemplateData.UserData));
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('node boot', () => {
  let text: string;
  beforeAll(() => {
    const template = templateOf({ strategy: 'direct', drainSeconds: 90 });
    const [lt] = Object.values(template.findResources('AWS::EC2::LaunchTemplate')) as {
      Properties: { LaunchTemplateData: { UserData: unknown } };
    }[];
    text = userDataText(lt!.Properties.LaunchTemplateData.UserData);
  });

  test('the readiness script is written first, and any failed step signals FAILURE', () => {
    const ready = text.indexOf('cat > /usr/local/sbin/wslb-node-ready');
    const trap = text.indexOf("trap '/usr/local/sbin/wslb-node-ready --failed' ERR");
    expect(ready).toBeGreaterThan(0);
    expect(trap).toBeGreaterThan(ready);
    expect(text.indexOf('dnf install')).toBeGreaterThan(trap);
  });

  test('steps that reach the network are retried', () => {
    expect(text).toContain('retry dnf install -y nodejs22 amazon-cloudwatch-agent unzip\n');
    expect(text).toMatch(/\nretry aws s3 cp 's3:\/\/\{TOKEN\}\/[0-9a-f]{64}\.zip'/);
  });

  test('the services start, then the node signals readiness as the last step', () => {
    expect(text.trimEnd()).toMatch(
      /systemctl enable --now wslb-node\.service wslb-drain-watch\.service\ntrap - ERR\n\/usr\/local\/sbin\/wslb-node-ready$/,
    );
  });
});
