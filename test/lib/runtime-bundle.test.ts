import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { NODE_ENTRY } from '../../lib/fleet/ws-fleet';
import { RuntimeBundle } from '../../lib/runtime-bundle';

describe('RuntimeBundle (esbuild at synth, no Docker)', () => {
  test('bundles the node service into one main.js with a source map', () => {
    const app = new App();
    const stack = new Stack(app, 'Bundle');
    const bundle = new RuntimeBundle(stack, 'Node', { entries: { main: NODE_ENTRY } });
    const dir = path.join(app.outdir, bundle.asset.assetPath);
    expect(readdirSync(dir).sort()).toEqual(['main.js', 'main.js.map']);
    const code = readFileSync(path.join(dir, 'main.js'), 'utf8');
    // Dependencies are inside: the instance has Node.js and nothing else.
    expect(code).not.toMatch(/require\("(ws|pino|@aws-sdk\/client-dynamodb)"\)/);
    expect(bundle.asset.assetHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a missing entry stops synth with a message naming it', () => {
    const stack = new Stack(new App(), 'Missing');
    expect(() => new RuntimeBundle(stack, 'Nope', { entries: { main: 'runtime/node/nope.ts' } })).toThrow(
      'wslb: bundle entry runtime/node/nope.ts does not exist; the runtime must provide it before this stack can synth',
    );
    expect(existsSync(path.resolve(__dirname, '../..', 'runtime/node/nope.ts'))).toBe(false);
  });
});
