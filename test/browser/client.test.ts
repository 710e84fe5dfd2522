import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { LocalCluster } from '../../runtime/local/local-cluster';
import { packClientInto } from '../../tools/client-package/build';

/**
 * The client as a front-end engineer uses it: the package's browser entry bundled by esbuild into a page
 * served from one 127.0.0.1 origin, logging in cross-origin to the local cluster's auth service, in Debian's
 * headless Chromium. Without Chromium it is skipped with a warning, except under CI=true, where it fails.
 */
jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing (CI=true: this fails)`);
if (!present) console.warn(`browser test not run: ${CHROMIUM} is missing (apt-get install chromium)`);
const describeIf = present ? describe : describe.skip;

type Seen = Record<string, unknown[] | undefined>;

let dir: string;
let pageServer: Server;
let pageOrigin: string;
let cluster: LocalCluster;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!present) return;
  dir = mkdtempSync(join(tmpdir(), 'wslb-browser-'));
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(await packClientInto(join(dir, 'wslb')), join(app, 'node_modules/wslb'), 'dir');
  const bundle = await build({
    entryPoints: [join(__dirname, 'fixtures/page.ts')],
    nodePaths: [join(app, 'node_modules')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    write: false,
    logLevel: 'error',
  });
  const script = bundle.outputFiles[0].text;
  pageServer = createServer((req, res) => {
    if (req.url === '/page.js')
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><script src="/page.js"></script>');
  });
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  cluster = await LocalCluster.start({
    strategy: 'direct',
    nodes: 3,
    heartbeatMs: 500,
    freshnessMs: 2000,
    drainSeconds: 2,
    allowedOrigins: [pageOrigin],
  });
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await context.newPage();
  await page.goto(pageOrigin);
});

afterAll(async () => {
  await context?.close();
  await cluster?.stop();
  pageServer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const seen = (i: number) =>
  page.evaluate((n) => (globalThis as never as { wslbTest: { seen(n: number): Seen } }).wslbTest.seen(n), i);
const call = <T>(fn: string, ...args: unknown[]) =>
  page.evaluate(
    ([f, a]) =>
      (globalThis as never as { wslbTest: Record<string, (...x: unknown[]) => unknown> }).wslbTest[
        f as string
      ](...(a as unknown[])),
    [fn, args] as const,
  ) as Promise<T>;

async function until(what: string, check: (s: Seen) => boolean, i = 0, timeoutMs = 60_000): Promise<Seen> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await seen(i);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const count = (s: Seen, name: string) => s[name]?.length ?? 0;

describeIf('the browser entry in headless Chromium, against the local cluster', () => {
  it('logs in cross-origin and echoes text and binary (binaryType arraybuffer, send Blob and a typed array)', async () => {
    expect(new URL(cluster.authUrl).origin).not.toBe(pageOrigin);
    await call('start', cluster.authUrl, cluster.credentials.username, cluster.credentials.password);
    await until('open', (s) => count(s, 'open') === 1);
    await call('send', 0, 'text');
    await call('send', 0, 'blob');
    await call('send', 0, 'buffer');
    const s = await until('three echoes', (x) => count(x, 'message') === 3);
    expect(s.message).toEqual(['hello from the page', 'binary:5', 'binary:7']);
  });

  it('reconnects through auth to another node when its node is killed', async () => {
    const first = await call<string>('node', 0);
    cluster.nodes.find((n) => n.nodeId === first)!.kill();
    const s = await until('a reopen', (x) => count(x, 'open') === 2, 0, 90_000);
    expect((s.close as { code: number }[])[0].code).toBe(1006);
    expect(await call<string>('node', 0)).not.toBe(first);
  });

  it('reconnects through auth to another node when its node is drained (1012)', async () => {
    const current = await call<string>('node', 0);
    cluster.nodes.find((n) => n.nodeId === current)!.drain();
    const s = await until('a reopen', (x) => count(x, 'open') === 3, 0, 90_000);
    expect((s.close as { code: number }[])[1].code).toBe(1012);
    expect(await call<string>('node', 0)).not.toBe(current);
    await call('send', 0, 'text');
    await until('an echo on the new node', (x) => count(x, 'message') === 4);
  });

  it('a wrong password becomes an error event (401 read cross-origin), and the client stops', async () => {
    const i = await call<number>('start', cluster.authUrl, cluster.credentials.username, 'wrong password');
    const s = await until('an error', (x) => count(x, 'error') === 1, i);
    expect(s.error).toEqual([expect.objectContaining({ name: 'AuthRefusedError', status: 401 })]);
    expect(count(s, 'reconnecting')).toBe(0);
  });
});
