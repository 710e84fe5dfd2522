import { join } from 'node:path';
import { buildSync } from 'esbuild';

/**
 * Bundle the node service the way the CDK fleet does (esbuild, one file), so local nodes run the same
 * artifact as EC2 and start in milliseconds instead of through a TypeScript loader.
 */
export function bundleNodeService(outDir: string): string {
  const outfile = join(outDir, 'wslb-node.js');
  buildSync({
    entryPoints: [join(__dirname, '..', 'node', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}
