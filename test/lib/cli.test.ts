import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers';

/** No credentials, no profile that exists, no region, no telemetry: synth must not need AWS. */
const OFFLINE_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: 'wslb-test-no-such-profile',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};

function cdk(args: string[], outdir: string) {
  return spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
    cwd: REPO_ROOT,
    env: OFFLINE_ENV,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('cdk CLI, offline', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'wslb-cli-'));
  });
  afterEach(() => rmSync(outdir, { recursive: true, force: true }));

  test('synth -c strategy=direct writes one template, bundles included', () => {
    const result = cdk(['-c', 'strategy=direct'], outdir);
    expect(result.stderr).not.toMatch(/AwsSolutions-/);
    expect(result.status).toBe(0);
    const templates = readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
    expect(templates).toEqual(['wslb-direct.template.json']);
    const assets = JSON.parse(readFileSync(path.join(outdir, 'wslb-direct.assets.json'), 'utf8'));
    expect(Object.keys(assets.files).length).toBeGreaterThanOrEqual(3);
  });

  test('synth -c strategy=bogus fails naming the key, the value and what is accepted', () => {
    const result = cdk(['-c', 'strategy=bogus'], outdir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('strategy: got "bogus"; accepted: one of nlb | haproxy | direct');
  });
});
