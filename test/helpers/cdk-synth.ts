import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Strategy } from '../../runtime/contract/strategies';
import { OFFLINE_ENV } from '../../tools/lambda/synth-auth-bundle';
import { RUN_DIR_VARIABLE } from '../run-dir';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SHARED_WAIT_MS = 900_000;

export interface SynthRun {
  /** The CLI's exit status (null when a signal ended it). */
  status: number | null;
  stderr: string;
  outdir: string;
  /** Deletes `outdir` unless it is shared with other test files of this jest run. */
  remove(): void;
}

/** `npx cdk synth --quiet` as a user types it, into `outdir` (made fresh when not given). */
export function cdkSynth(args: string[], outdir?: string): Promise<SynthRun> {
  const dir = outdir ?? mkdtempSync(path.join(tmpdir(), 'wslb-cdk-synth-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet', '--output', dir, ...args], {
      cwd: REPO_ROOT,
      env: OFFLINE_ENV,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, outdir: dir, remove }));
  });
}

/**
 * `npx cdk synth -c strategy=<strategy> --no-validation`, run once per jest run and shared by the test files that
 * read its output (test/bin/cdk-app.test.ts, test/lib/auth-bundle.test.ts): each synth with bundling costs 10-20 s
 * of CPU. The first caller runs it; others (in any worker) wait for its result. Outside a jest run with the run
 * directory (see test/global-setup.js), it synthesizes afresh. The output is kept until the run's teardown.
 * @throws Error when the run that another worker started does not finish within 15 minutes.
 */
export async function sharedStrategySynth(strategy: Strategy): Promise<SynthRun> {
  const args = ['-c', `strategy=${strategy}`, '--no-validation'];
  const runDir = process.env[RUN_DIR_VARIABLE];
  if (!runDir) return cdkSynth(args);
  const home = path.join(runDir, `wslb-cdk-synth-${strategy}`);
  const resultFile = path.join(home, 'result.json');
  const outdir = path.join(home, 'out');
  const keep = () => {};
  try {
    mkdirSync(home);
  } catch {
    // Another test file runs it: wait for its result.
    const deadline = Date.now() + SHARED_WAIT_MS;
    while (!existsSync(resultFile)) {
      if (Date.now() > deadline) throw new Error(`the shared synth in ${home} did not finish`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const { status, stderr } = JSON.parse(readFileSync(resultFile, 'utf8')) as SynthRun;
    return { status, stderr, outdir, remove: keep };
  }
  const run = await cdkSynth(args, outdir).catch((err: Error) => ({
    status: null,
    stderr: `npx cdk synth did not start: ${err.message}`,
  }));
  writeFileSync(`${resultFile}.tmp`, JSON.stringify({ status: run.status, stderr: run.stderr }));
  // A rename is atomic: a waiter never reads half a file.
  renameSync(`${resultFile}.tmp`, resultFile);
  return { status: run.status, stderr: run.stderr, outdir, remove: keep };
}
