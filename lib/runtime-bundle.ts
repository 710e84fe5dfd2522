import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DockerImage, FileSystem, type ILocalBundling, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { HOST_NODE_TARGET, RUNTIME_BUNDLE_OPTIONS } from '../runtime/contract/bundle';
import { nodeAppEntrySource } from '../runtime/contract/node-app-entry';

/** The repository root: `lib/` sits right below it. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** Thrown at synth when a bundle entry point is missing from `runtime/`. */
export class MissingEntryError extends Error {
  constructor(readonly entry: string) {
    super(
      `wslb: bundle entry ${entry} does not exist; the runtime must provide it before this stack can synth`,
    );
    this.name = 'MissingEntryError';
  }
}

export interface RuntimeBundleProps {
  /**
   * Output file name (without `.js`) to entry point, relative to the repository root,
   * e.g. `{ main: 'runtime/node/main.ts' }`.
   */
  readonly entries: Readonly<Record<string, string>>;
  /**
   * An operator's app module (absolute path) that the `main` entry hosts instead of echo: `main` becomes a generated
   * entry that imports it (runtime/contract/node-app-entry.ts), and the asset hash covers the app's folder, so
   * a change to the app ships a new bundle. @default - `main` as given in `entries`
   */
  readonly nodeApp?: string;
  /** Node.js version esbuild targets. @default HOST_NODE_TARGET ('node22', the version the user data installs) */
  readonly target?: string;
}

/** esbuild, run in-process at synth: no Docker, and the same bundler NodejsFunction uses. */
class EsbuildLocal implements ILocalBundling {
  /** The app's folder, fingerprinted: part of the asset hash (see toJSON). */
  private readonly appFingerprint?: string;

  constructor(
    private readonly entries: Readonly<Record<string, string>>,
    private readonly target: string,
    private readonly nodeApp?: string,
  ) {
    if (nodeApp) {
      this.appFingerprint = FileSystem.fingerprint(path.dirname(nodeApp), {
        exclude: ['node_modules', 'cdk.out', '.git'],
      });
    }
  }

  /**
   * What the CDK hashes of this object (it hashes the bundling options as JSON): the entries, the target and the
   * app's content, not its absolute path, so two checkouts of the same code get the same asset hash.
   */
  toJSON(): object {
    return { entries: this.entries, target: this.target, app: this.appFingerprint };
  }

  tryBundle(outputDir: string): boolean {
    for (const entry of Object.values(this.entries)) {
      if (!existsSync(path.join(REPO_ROOT, entry))) throw new MissingEntryError(entry);
    }
    // Loaded lazily so that synth without bundling never needs esbuild.
    const esbuild = require('esbuild') as typeof import('esbuild');
    const entryPoints = Object.fromEntries(
      Object.entries(this.entries).map(([name, entry]) => [name, path.join(REPO_ROOT, entry)]),
    );
    const generated = this.nodeApp ? mkdtempSync(path.join(tmpdir(), 'wslb-node-entry-')) : undefined;
    try {
      if (generated && this.nodeApp) {
        entryPoints.main = path.join(generated, 'main.ts');
        const runNode = path.join(REPO_ROOT, 'runtime', 'node', 'run-node.ts');
        writeFileSync(entryPoints.main, nodeAppEntrySource(runNode, this.nodeApp));
      }
      esbuild.buildSync({ entryPoints, ...RUNTIME_BUNDLE_OPTIONS, outdir: outputDir, target: this.target });
    } finally {
      if (generated) rmSync(generated, { recursive: true, force: true });
    }
    return true;
  }
}

/**
 * Runtime entry points bundled by esbuild into one zip uploaded as an S3 asset. The asset hash is the
 * bundle's, so a deploy ships a new bundle exactly when the bundled code changed.
 */
export class RuntimeBundle extends Construct {
  readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string, props: RuntimeBundleProps) {
    super(scope, id);
    this.asset = new s3assets.Asset(this, 'Asset', {
      path: path.join(REPO_ROOT, 'runtime'),
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
        local: new EsbuildLocal(props.entries, props.target ?? HOST_NODE_TARGET, props.nodeApp),
      },
    });
  }
}

/** The wildcards `Asset.grantRead` writes, acknowledged on the role that reads a bundle. */
export function acknowledgeAssetRead(role: iam.IRole): void {
  const reason = 'Asset.grantRead: read-only access to the CDK asset bucket that holds the runtime bundle.';
  for (const finding of [
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  ]) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}
