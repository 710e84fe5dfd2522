import type { BuildOptions } from 'esbuild';

/** The Node.js the hosts run (the user data installs AL2023's `nodejs22`); bundles target it. */
export const HOST_NODE_TARGET = 'node22';

/**
 * The esbuild options of every runtime bundle: the deployed ones (lib/runtime-bundle.ts) and the local
 * cluster's node (runtime/local/node-bundle.ts), so a local node runs the artifact an EC2 node runs. Source
 * maps ship beside each file; on the hosts programs run with `--enable-source-maps`.
 */
export const RUNTIME_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: HOST_NODE_TARGET,
  minify: true,
  sourcemap: true,
  // ws loads these native speed-ups only when present.
  external: ['bufferutil', 'utf-8-validate'],
  logLevel: 'error',
} as const satisfies BuildOptions;
