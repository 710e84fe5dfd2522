import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packClientInto } from '../../../tools/client-package/build';
import { ClientRig } from '../../runtime/client/helpers/rig';

/**
 * `wslb/client` as a front-end or Node project consumes it: the package built and installed into a
 * consumer's node_modules, type-checked by the repo's tsc under the settings new projects start with, and
 * run by plain Node.
 */
jest.setTimeout(180_000);

const execFileAsync = promisify(execFile);

const TSC = join(__dirname, '../../../node_modules/.bin/tsc');
let dir: string;
let app: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wslb-consumer-'));
  await packClientInto(join(dir, 'wslb'));
  app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(join(dir, 'wslb'), join(app, 'node_modules/wslb'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a page does with the client: the browser's own WebSocket, every kind of send, binaryType. */
const PAGE = `import { AuthRefusedError, connect } from 'wslb/client';

const client = connect({
  authUrl: 'https://example.com/api/auth',
  credentials: { username: 'alice', password: 'secret' },
  webSocket: WebSocket,
  binaryType: 'arraybuffer',
});
client.on('open', ({ node }) => {
  client.send('text');
  client.send(new Blob(['blob']));
  client.send(new ArrayBuffer(4));
  client.send(new Uint8Array(4));
  client.send(new DataView(new ArrayBuffer(4)));
  console.log(node);
});
client.on('message', (data) => {
  if (data instanceof ArrayBuffer) console.log(data.byteLength);
});
client.on('error', (err) => {
  if (err instanceof AuthRefusedError) console.log(err.status);
});
client.on('reconnecting', ({ delayMs, cause }) => console.log(delayMs, cause));
`;

const strict = { strict: true, noEmit: true, erasableSyntaxOnly: true, verbatimModuleSyntax: true };
const CONFIGS: Record<string, object> = {
  // What the issue names: Node's resolution, erasable syntax only.
  nodenext: {
    ...strict,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
  },
  // A new Vite project's tsconfig.app.json.
  vite: {
    ...strict,
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    allowImportingTsExtensions: true,
    moduleDetection: 'force',
    noUnusedLocals: true,
    noUnusedParameters: true,
    noFallthroughCasesInSwitch: true,
    noUncheckedSideEffectImports: true,
    skipLibCheck: true,
    types: [],
  },
};

function typecheck(name: string, compilerOptions: object, source: string) {
  const project = join(app, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'main.ts'), source);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  return spawnSync(TSC, ['-p', project], { cwd: project, encoding: 'utf8' });
}

describe('wslb/client in a TypeScript project', () => {
  it.each(Object.keys(CONFIGS))(
    'type-checks with the %s settings, the browser WebSocket as webSocket',
    (name) => {
      const run = typecheck(name, CONFIGS[name], PAGE);
      expect(run.stdout + run.stderr).toBe('');
      expect(run.status).toBe(0);
    },
  );

  it("type-checks with the settings of the repo's own `tsc --init`, plus erasableSyntaxOnly and the DOM", () => {
    const project = join(app, 'init');
    mkdirSync(project, { recursive: true });
    execFileSync(TSC, ['--init'], { cwd: project, encoding: 'utf8' });
    // tsc --init writes JSON with comments; keep its options, add what a web page needs.
    const text = readFileSync(join(project, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    const { compilerOptions } = JSON.parse(text.replace(/,(\s*[}\]])/g, '$1')) as { compilerOptions: object };
    const run = typecheck(
      'init',
      { ...compilerOptions, erasableSyntaxOnly: true, lib: ['ESNext', 'DOM'] },
      PAGE,
    );
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('refuses what the client does not take (the check can fail)', () => {
    const wrong = PAGE.replace('webSocket: WebSocket', 'webSocket: 42').replace(
      "client.send('text')",
      'client.send(7)',
    );
    const run = typecheck('wrong', CONFIGS.nodenext, wrong);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/main\.ts\(6,3\): error TS2322/);
    expect(run.stdout).toMatch(/main\.ts\(10,15\): error TS2345/);
  });
});

describe('wslb/client in plain Node', () => {
  const rig = new ClientRig();
  beforeAll(() => rig.setUp());
  afterAll(() => rig.tearDown());

  it('resolves to the Node entry (ws underneath) and logs in, connects and echoes', async () => {
    writeFileSync(
      join(app, 'node-main.js'),
      `import { connect, wsFactory } from 'wslb/client';
const client = connect({ authUrl: process.env.AUTH_URL, credentials: { username: 'alice', password: 'right' } });
client.on('open', () => client.send('hello from node'));
client.on('message', (data) => {
  console.log(JSON.stringify({ wsFactory: typeof wsFactory, echo: String(data) }));
  client.close();
});
client.on('error', (err) => { console.error(err.message); process.exit(1); });
`,
    );
    // Asynchronously: the auth service and the node answer from this process.
    const { stdout, stderr } = await execFileAsync(process.execPath, ['node-main.js'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, AUTH_URL: rig.auth.url },
    });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({ wsFactory: 'function', echo: 'hello from node' });
  });
});
