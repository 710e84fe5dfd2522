import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { STRATEGIES } from '../../runtime/contract/strategies';
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

/** Runs `jobs` two at a time: each spends most of its time starting node, the CLI and tsx on 2 cores. */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

describe('cdk CLI, offline', () => {
  const runs: Record<string, Run> = {};
  beforeAll(async () => {
    // CloudFormation validation is left out: its engine costs ~10 s of CPU to start; app.test.ts runs it.
    const args: Record<string, string[]> = {
      ...Object.fromEntries(STRATEGIES.map((s) => [s, ['-c', `strategy=${s}`, '--no-validation']])),
      bogus: ['-c', 'strategy=bogus'],
      typo: ['-c', 'strategy=nlb', '-c', 'maxConnectionPerNode=5'],
      none: [],
    };
    const results = await twoAtATime(Object.values(args).map((a) => () => synth(a)));
    Object.keys(args).forEach((key, i) => {
      runs[key] = results[i]!;
    });
  }, 900_000);
  afterAll(() => {
    for (const run of Object.values(runs)) rmSync(run.outdir, { recursive: true, force: true });
  });

  test.each(STRATEGIES)(
    'synth -c strategy=%s writes the one template, bundles included, no cdk-nag finding',
    (strategy) => {
      const run = runs[strategy]!;
      expect(run.stderr).not.toMatch(/AwsSolutions-/);
      expect(run.status).toBe(0);
      const templates = readdirSync(run.outdir).filter((f) => f.endsWith('.template.json'));
      expect(templates).toEqual(['wslb.template.json']);
      const assets = JSON.parse(readFileSync(path.join(run.outdir, 'wslb.assets.json'), 'utf8'));
      const bundles = Object.values(assets.files as Record<string, { source: { path: string } }>)
        .filter((f) => f.source.path.startsWith('asset.'))
        .map((f) => readdirSync(path.join(run.outdir, f.source.path)).sort());
      expect(bundles).toContainEqual(['main.js', 'main.js.map']);
      // The auth bundle ships without a source map (decision 0116: it cost 54 MiB and a second of every cold start).
      expect(bundles).toContainEqual(['index.js']);
    },
  );

  test('synth -c strategy=bogus fails naming the key, the value and what is accepted', () => {
    expect(runs.bogus!.status).not.toBe(0);
    expect(runs.bogus!.stderr).toContain('strategy: got "bogus"; accepted: one of nlb | haproxy | direct');
  });

  test('synth with a mistyped key fails naming it and the key it resembles, instead of deploying the default', () => {
    expect(runs.typo!.status).not.toBe(0);
    expect(runs.typo!.stderr).toContain(
      'maxConnectionPerNode: not a context key of wslb; did you mean maxConnectionsPerNode?',
    );
  });

  test('synth without a strategy fails naming the key: a deploy must never drop the running tier', () => {
    expect(runs.none!.status).not.toBe(0);
    expect(runs.none!.stderr).toContain('strategy: got nothing; accepted: one of nlb | haproxy | direct');
  });
});
