import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { RUNTIME_BUNDLE_OPTIONS } from '../contract/bundle';

/**
 * Bundle the node service with the CDK fleet's options (RUNTIME_BUNDLE_OPTIONS: one minified file and its
 * source map), so local nodes run the artifact EC2 runs, as plain JavaScript without a TypeScript loader.
 * Returns the bundle's path.
 */
export function bundleNodeService(outDir: string): string {
  const outfile = join(outDir, 'wslb-node.js');
  buildSync({
    entryPoints: [join(__dirname, '..', 'node', 'main.ts')],
    ...RUNTIME_BUNDLE_OPTIONS,
    outfile,
  });
  return outfile;
}
