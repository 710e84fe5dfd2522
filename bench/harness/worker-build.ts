import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { bundleNodeService } from '../../runtime/local/node-bundle';
import { onCleanup } from './cleanup';

export type WorkerName = 'connect' | 'fleet' | 'bare-echo' | 'path' | 'wall';

/** The worker programs and the node service, bundled once per run into a folder removed at the end. */
export interface Build {
  dir: string;
  nodeBundle: string;
  worker(name: WorkerName): string;
}

const ROOT = join(__dirname, '..');

export function buildWorkers(): Build {
  const dir = join(ROOT, '.build', `run-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  onCleanup('build folder', async () => remove(), remove);
  const entries = readdirSync(join(ROOT, 'workers'))
    .filter((f) => f.endsWith('-worker.ts'))
    .map((f) => join(ROOT, 'workers', f));
  // Node modules stay external and resolve from the repository, as in a plain `node` run.
  buildSync({
    entryPoints: entries,
    outdir: dir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  return {
    dir,
    nodeBundle: bundleNodeService(dir),
    worker: (name) => join(dir, `${name}-worker.js`),
  };
}
