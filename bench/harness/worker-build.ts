import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { onCleanup } from '../../harness/cleanup';
import { bundleNodeService } from '../../runtime/local/node-bundle';

export type WorkerName = 'connect' | 'idle' | 'fleet' | 'bare-echo' | 'path' | 'wall' | 'login' | 'ramp';
/** Programs run through tsx (not bundled): they start a `LocalCluster` and bundled workers of their own. */
export type HostName = 'scale-out-host' | 'nlb-path-host' | 'ramp-host';

/** What a host process needs to rebuild a `Build` for its own workers (a `Build` does not cross IPC). */
export interface BuildRef {
  dir: string;
  nodeBundle: string;
}

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
  return buildFrom({ dir, nodeBundle: bundleNodeService(dir) });
}

/** A `Build` over an existing build folder (in a host process; the bench removes the folder). */
export function buildFrom(ref: BuildRef): Build {
  return { ...ref, worker: (name) => join(ref.dir, `${name}-worker.js`) };
}

/** A host's source file, run through tsx. */
export const hostSource = (name: HostName) => join(ROOT, 'workers', `${name}.ts`);
