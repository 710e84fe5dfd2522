import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { AUTH_RUNTIME } from '../../lib/auth-service';

const run = promisify(execFile);

/** The pinned package (its own lock file) whose platform binary is the Lambda runtime's Node.js. */
export const LAMBDA_NODE_DIR = path.join(__dirname, 'node');
const LOCK_DIR = path.join(LAMBDA_NODE_DIR, '.installing');
const INSTALL_TIMEOUT_MS = 300_000;

/** The Node.js major of the auth function's runtime (`nodejs24.x` → 24). */
export function lambdaNodeMajor(): number {
  const m = /^nodejs(\d+)\.x$/.exec(AUTH_RUNTIME.name);
  if (!m) throw new Error(`auth runtime ${AUTH_RUNTIME.name} is not a nodejsNN.x runtime`);
  return Number(m[1]);
}

const binaryPath = () =>
  path.join(LAMBDA_NODE_DIR, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');

async function installOnce(): Promise<void> {
  // Concurrent callers (jest workers, a bench run) wait for the one that holds the lock directory.
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      if (existsSync(binaryPath())) return;
      if (Date.now() - statSync(LOCK_DIR, { throwIfNoEntry: false })!.mtimeMs > INSTALL_TIMEOUT_MS) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
      }
      if (Date.now() > deadline)
        throw new Error('timed out waiting for another install of the Lambda Node.js');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    if (!existsSync(binaryPath())) {
      await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: LAMBDA_NODE_DIR,
        timeout: INSTALL_TIMEOUT_MS,
      });
    }
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * The path of a Node.js binary of the Lambda runtime's major, installed from npm (`npm ci` in
 * tools/lambda/node) on first use. @throws Error saying why when it cannot be had (no package for this
 * platform, npm registry unreachable) or when the pinned version's major is not the runtime's.
 */
export async function lambdaNodeBinary(): Promise<string> {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    throw new Error(
      `no pinned Lambda Node.js for ${process.platform}-${process.arch} (linux x64/arm64 only)`,
    );
  }
  if (!existsSync(binaryPath())) {
    try {
      await installOnce();
    } catch (err) {
      const e = err as Error & { stderr?: string };
      throw new Error(`npm ci in ${LAMBDA_NODE_DIR} failed: ${e.stderr?.trim() || e.message}`);
    }
  }
  const { stdout } = await run(binaryPath(), ['--version']);
  const major = Number(/^v(\d+)\./.exec(stdout.trim())?.[1]);
  if (major !== lambdaNodeMajor()) {
    throw new Error(
      `tools/lambda/node pins Node.js ${stdout.trim()}, the auth function runs ${AUTH_RUNTIME.name}: pin a ${lambdaNodeMajor()}.x`,
    );
  }
  return binaryPath();
}
