import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config';
import { NODE_ENTRY } from '../../lib/fleet/ws-fleet';
import { RuntimeBundle } from '../../lib/runtime-bundle';
import { problemsOf } from '../helpers/invalid-input';
import { synthApp, userDataText } from './helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'node-app', 'app.ts');
const parse = (raw: Record<string, unknown>) => parseConfig({ strategy: 'direct', ...raw });

describe('context keys nodeApp and nodeUpstreamUrl', () => {
  test('nodeApp resolves a file or a folder (its app.ts) to an absolute module path', () => {
    expect(parse({ nodeApp: path.relative(process.cwd(), FIXTURE) }).nodeApp).toBe(FIXTURE);
    expect(parse({ nodeApp: path.dirname(FIXTURE) }).nodeApp).toBe(FIXTURE);
  });

  test('a bad nodeApp path stops synth naming the key, what was found and what is accepted', () => {
    expect(problemsOf(() => parse({ nodeApp: './src/ws-app.ts' }))).toEqual([
      'nodeApp: got "./src/ws-app.ts": does not exist; accepted: a module file (.ts .mts .cts .js .mjs .cjs) whose ' +
        'default export is defineNodeApp(…), or a folder holding app.ts or index.ts or app.js or index.js',
    ]);
    expect(problemsOf(() => parse({ nodeApp: 'README.md' }))[0]).toMatch(
      /^nodeApp: got "README.md": is not a JavaScript or TypeScript module; accepted: /,
    );
  });

  test('nodeUpstreamUrl takes a loopback ws URL only, and not with nodeApp', () => {
    expect(parse({ nodeUpstreamUrl: 'ws://127.0.0.1:9000' }).nodeUpstreamUrl).toBe('ws://127.0.0.1:9000');
    for (const url of ['ws://10.0.0.5:9000', 'http://127.0.0.1:9000', "ws://127.0.0.1:9000/a'b"]) {
      expect(problemsOf(() => parse({ nodeUpstreamUrl: url }))).toEqual([
        `nodeUpstreamUrl: got ${JSON.stringify(url)}; accepted: a ws:// URL on the node's own host ` +
          '(ws://127.0.0.1:9000): loopback only, without quotes, spaces, $ or \\',
      ]);
    }
    expect(problemsOf(() => parse({ nodeUpstreamUrl: 'ws://127.0.0.1:9000', nodeApp: FIXTURE }))).toEqual([
      'nodeUpstreamUrl: got "ws://127.0.0.1:9000"; accepted: not with nodeApp (the node pipes clients to the ' +
        'upstream instead of hosting an app)',
    ]);
  });

  test('nodeUpstreamUrl reaches every node as UPSTREAM_URL; without it there is none', () => {
    const nodeUserData = (context: Record<string, unknown>) => {
      const templates = Template.fromStack(synthApp({ strategy: 'nlb', ...context }).stack).findResources(
        'AWS::EC2::LaunchTemplate',
      );
      const texts = Object.values(templates).map((r) =>
        userDataText(
          (r as { Properties: { LaunchTemplateData: { UserData: unknown } } }).Properties.LaunchTemplateData
            .UserData,
        ),
      );
      return texts.filter((t) => t.includes('MAX_CONNECTIONS=')).join('\n');
    };
    expect(nodeUserData({ nodeUpstreamUrl: 'ws://127.0.0.1:9000' })).toContain(
      'UPSTREAM_URL=ws://127.0.0.1:9000\n',
    );
    const plain = nodeUserData({});
    expect(plain).toContain('MAX_CONNECTIONS=');
    expect(plain).not.toContain('UPSTREAM_URL');
  });
});

describe('RuntimeBundle with an operator app', () => {
  test('bundles the app into main.js, and a change to the app changes the asset hash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wslb-app-'));
    try {
      const source = readFileSync(FIXTURE, 'utf8').replace(
        "'../../../../runtime/node/app'",
        JSON.stringify(path.resolve(__dirname, '../../runtime/node/app')),
      );
      writeFileSync(path.join(dir, 'app.ts'), source);
      const bundle = () => {
        const app = new App();
        const b = new RuntimeBundle(new Stack(app, 'Bundle'), 'Node', {
          entries: { main: NODE_ENTRY },
          nodeApp: path.join(dir, 'app.ts'),
        });
        return {
          hash: b.asset.assetHash,
          code: readFileSync(path.join(app.outdir, b.asset.assetPath, 'main.js'), 'utf8'),
        };
      };
      const first = bundle();
      expect(first.code).toContain('fixture-app-marker-7f3a');
      writeFileSync(
        path.join(dir, 'app.ts'),
        source.replace('fixture-app-marker-7f3a', 'fixture-app-marker-changed'),
      );
      const second = bundle();
      expect(second.code).toContain('fixture-app-marker-changed');
      expect(second.hash).not.toBe(first.hash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
