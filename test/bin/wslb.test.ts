import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/helpers';

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

interface Run {
  status: number | null;
  stderr: string;
  outdir: string;
}

/** `npx cdk synth --quiet` as a user types it, into a fresh output folder. */
function synth(args: string[]): Promise<Run> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'wslb-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', outdir, ...args], {
      cwd: REPO_ROOT,
      env: OFFLINE_ENV,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, outdir }));
  });
}

describe('cdk CLI, offline', () => {
  let direct: Run;
  let bogus: Run;
  beforeAll(async () => {
    // Both at once: each spends most of its time starting node, the CLI and tsx.
    // CloudFormation validation is left out: its engine costs ~10 s of CPU to start, and app.test.ts runs it
    // over all three stacks.
    [direct, bogus] = await Promise.all([
      synth(['-c', 'strategy=direct', '--no-validation']),
      synth(['-c', 'strategy=bogus']),
    ]);
  }, 180_000);
  afterAll(() => {
    for (const run of [direct, bogus]) if (run) rmSync(run.outdir, { recursive: true, force: true });
  });

  test('synth -c strategy=direct writes one template, bundles included, no cdk-nag finding', () => {
    expect(direct.stderr).not.toMatch(/AwsSolutions-/);
    expect(direct.status).toBe(0);
    const templates = readdirSync(direct.outdir).filter((f) => f.endsWith('.template.json'));
    expect(templates).toEqual(['wslb-direct.template.json']);
    const assets = JSON.parse(readFileSync(path.join(direct.outdir, 'wslb-direct.assets.json'), 'utf8'));
    const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
      .filter((f) => f.source.path.startsWith('asset.'))
      .map((f) => readdirSync(path.join(direct.outdir, f.source.path)).sort());
    expect(bundles).toContainEqual(['main.js', 'main.js.map']);
    expect(bundles).toContainEqual(['index.js', 'index.js.map']);
  });

  test('synth -c strategy=bogus fails naming the key, the value and what is accepted', () => {
    expect(bogus.status).not.toBe(0);
    expect(bogus.stderr).toContain('strategy: got "bogus"; accepted: one of nlb | haproxy | direct');
  });
});
