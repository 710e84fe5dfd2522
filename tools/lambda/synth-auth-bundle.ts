import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULTS } from '../../lib/config';
import type { Strategy } from '../../runtime/contract/strategies';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(__dirname, '../..');

/** What `cdk synth` made of the auth function: its bundle in cdk.out and its template properties. */
export interface SynthesizedAuth {
  outdir: string;
  /** The bundle's entry file (`index.js`, with `index.js.map` beside it). */
  entry: string;
  runtime: string;
  memorySize: number;
  timeoutSeconds: number;
  reservedConcurrency: number | undefined;
  /** The function's environment as in the template: strings, or CloudFormation tokens (`{ Ref }`). */
  environment: Record<string, unknown>;
  /** The template's resources, to tell what a token refers to. */
  resources: Record<string, { Type: string }>;
  remove(): void;
}

/** No credentials, no profile, no region, no telemetry: synth must not need AWS. */
export const OFFLINE_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: 'wslb-no-such-profile',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};

/** `npx cdk synth -c strategy=…` into a fresh folder, as a user runs it, and the auth function found in it. */
export async function synthAuthBundle(strategy: Strategy = 'direct'): Promise<SynthesizedAuth> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'wslb-auth-synth-'));
  const remove = () => rmSync(outdir, { recursive: true, force: true });
  try {
    await run(
      'npx',
      ['cdk', 'synth', '--quiet', '--no-validation', '--output', outdir, '-c', `strategy=${strategy}`],
      {
        cwd: REPO_ROOT,
        env: OFFLINE_ENV,
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return authBundleIn(outdir, remove);
  } catch (err) {
    remove();
    const e = err as Error & { stderr?: string };
    throw new Error(`cdk synth failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * The auth function of the `cdk synth` output in `outdir`: its bundle's entry and template properties.
 * `remove` is what the result's `remove()` does. @throws Error when the template has no auth function or its bundle is missing.
 */
export function authBundleIn(outdir: string, remove: () => void = () => {}): SynthesizedAuth {
  const template = JSON.parse(
    readFileSync(path.join(outdir, `${DEFAULTS.stackName}.template.json`), 'utf8'),
  ) as {
    Resources: Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
    >;
  };
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler',
  );
  const assetPath = fn?.Metadata?.['aws:asset:path'];
  if (!fn || !assetPath) throw new Error(`no auth function with an asset path in ${outdir}`);
  const entry = path.join(outdir, assetPath, 'index.js');
  if (!existsSync(entry)) throw new Error(`auth bundle ${entry} missing`);
  const props = fn.Properties;
  return {
    outdir,
    entry,
    runtime: String(props.Runtime),
    memorySize: Number(props.MemorySize),
    timeoutSeconds: Number(props.Timeout),
    reservedConcurrency: props.ReservedConcurrentExecutions as number | undefined,
    environment: (props.Environment as { Variables: Record<string, unknown> }).Variables,
    resources: template.Resources,
    remove,
  };
}
