import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { RUNTIME_BUNDLE_OPTIONS } from '../contract/bundle';
import { nodeAppEntrySource, resolveNodeApp } from '../contract/node-app-entry';

/**
 * Bundle the node service with the CDK fleet's options (RUNTIME_BUNDLE_OPTIONS: one minified file and its
 * source map), so local nodes run the artifact EC2 runs, as plain JavaScript without a TypeScript loader.
 * With `app` (a path, as `--app` takes it) the node hosts that app instead of echo. Returns the bundle's path.
 * @throws NodeAppPathError when `app` leads to no module; esbuild's error when the app does not build
 */
export function bundleNodeService(outDir: string, app?: string): string {
  const outfile = join(outDir, 'wslb-node.js');
  let entry = join(__dirname, '..', 'node', 'main.ts');
  if (app) {
    entry = join(outDir, 'wslb-node-entry.ts');
    writeFileSync(
      entry,
      nodeAppEntrySource(join(__dirname, '..', 'node', 'run-node.ts'), resolveNodeApp(app)),
    );
  }
  buildSync({ entryPoints: [entry], ...RUNTIME_BUNDLE_OPTIONS, outfile });
  return outfile;
}
