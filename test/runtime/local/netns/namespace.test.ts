import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  checkNamespaceSupport,
  createNamespace,
  deleteNamespaceSync,
  execInNamespace,
  namespaceExists,
  namespacePids,
  spawnInNamespace,
  trackedNamespaces,
} from '../../../../runtime/local/netns';
import { useFixtureBundles } from './fixture-bundle';
import { describeWithNamespaces, useTestNamespace } from './kernel-support';

const fixture = useFixtureBundles([join(__dirname, 'fixtures/ns-child.ts')]);

interface Run {
  child: ChildProcess;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runFixture(mode: string): Run {
  const child = spawn(process.execPath, [fixture('ns-child.ts'), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, exit };
}

async function waitForLine(run: Run, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    const match = run.stdout().match(pattern);
    if (match) return match;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${run.stdout()}`);
}

/** Kill a fixture by pid if a test failed half way. */
const runs: Run[] = [];
afterAll(() => {
  for (const run of runs)
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
});
const start = (mode: string) => {
  const run = runFixture(mode);
  runs.push(run);
  return run;
};

describe('checkNamespaceSupport', () => {
  it('says why when not root', () => {
    const spy = jest.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      expect(checkNamespaceSupport()).toEqual({
        available: false,
        reason: 'not root (network namespaces need root)',
      });
    } finally {
      spy.mockRestore();
    }
  });
});

describeWithNamespaces('network namespace helpers', () => {
  const shared = useTestNamespace('helpers');

  it('creates a uniquely named namespace with lo up and nothing else', async () => {
    expect(shared()).toMatch(/^wslb-helpers-\d+-[0-9a-f]{6}$/);
    expect(namespaceExists(shared())).toBe(true);
    expect(trackedNamespaces()).toContain(shared());
    const links = (await execInNamespace(shared(), 'ip', ['-o', 'link'])).stdout.trim().split('\n');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });

  it('deletes a namespace and kills, by pid, what still runs inside; twice is harmless', async () => {
    const name = await createNamespace('del');
    const sleeper = spawnInNamespace(name, 'sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((r) => sleeper.once('exit', (_code, signal) => r(signal)));
    for (let i = 0; i < 50 && namespacePids(name).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(namespacePids(name)).toEqual([sleeper.pid]);
    deleteNamespaceSync(name);
    expect(await exited).toBe('SIGKILL');
    expect(namespaceExists(name)).toBe(false);
    expect(trackedNamespaces()).not.toContain(name);
    expect(() => deleteNamespaceSync(name)).not.toThrow();
  });

  it.each([
    ['an uncaught exception', 'throw', { code: 1, signal: null }],
    ['process.exit()', 'exit', { code: 3, signal: null }],
  ])('removes the namespaces a process made when it dies of %s', async (_what, mode, expected) => {
    const run = start(mode);
    const [, name] = await waitForLine(run, /^ns (\S+)$/m);
    expect(await run.exit).toEqual(expected);
    expect(namespaceExists(name)).toBe(false);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('removes them on %s, then dies of that signal', async (signal) => {
    const run = start('wait');
    const [, name] = await waitForLine(run, /^ns (\S+)$/m);
    expect(namespaceExists(name)).toBe(true);
    run.child.kill(signal);
    expect(await run.exit).toEqual({ code: null, signal });
    expect(namespaceExists(name)).toBe(false);
  });

  it('re-executes a program inside a fresh namespace, passes its exit code and deletes the namespace', async () => {
    const run = start('reexec');
    const [, name] = await waitForLine(run, /^ns (\S+)$/m);
    expect(await run.exit).toEqual({ code: 7, signal: null });
    // WSLB_NETNS names the namespace, and the kernel agrees the process runs in it.
    expect(run.stdout()).toContain(`inside ${name} ${name}\n`);
    expect(namespaceExists(name)).toBe(false);
  });

  it('forwards SIGTERM to the re-executed program and still deletes the namespace', async () => {
    const run = start('reexec-wait');
    const [, name] = await waitForLine(run, /^inside (\S+)/m);
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 128 + 15, signal: null });
    expect(namespaceExists(name)).toBe(false);
  });
});
