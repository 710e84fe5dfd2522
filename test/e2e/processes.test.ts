import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleNodeService } from '../../runtime/local/node-bundle';

jest.setTimeout(60_000);
const root = join(__dirname, '..', '..');

/** Every descendant of `pid`, from /proc, so the test can check nothing is left behind. */
function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of rows) {
      if (parent !== p) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** Polls `done` every 50 ms until it holds or `ms` pass. */
async function waitFor(done: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/** Running, not merely a zombie waiting to be reaped. */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('the node service process', () => {
  it('exits 2 on bad settings, naming each bad variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wslb-bundle-'));
    try {
      const bundle = bundleNodeService(dir);
      const run = spawnSync(process.execPath, [bundle], {
        env: {
          PATH: process.env.PATH,
          PORT: 'eighty',
          REGISTRY_TABLE: 'wslb-nodes',
          TOKEN_SECRET_FILE: '/nonexistent',
        },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status).toBe(2);
      const line = JSON.parse(run.stdout.trim().split('\n')[0]);
      expect(line).toMatchObject({ level: 'fatal', service: 'wslb-node', event: 'bad_settings' });
      expect(line.problems).toEqual([expect.stringMatching(/^PORT: .*\(got "eighty"\)$/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start without --once', () => {
  let cli: ChildProcess | undefined;
  afterEach(() => {
    if (cli?.pid && alive(cli.pid)) cli.kill('SIGKILL');
  });

  it('runs until a SIGTERM to npm, then stops every process it started and removes its run folder', async () => {
    // Through npm, as a script would: the signal goes to npm, which must pass it on to the cluster (before the
    // script exec'd node, npm's shell died with it and left the cluster running).
    cli = spawn('npm', ['start', '--silent', '--', '--nodes', '2', '--clients', '50'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no prompt within 40 s:\n${stderr}`)), 40_000);
      cli!.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('Ctrl-C stops it')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(stderr).toMatch(/strategy direct: 50\/50 clients connected/);
    expect(stderr).toMatch(/curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/session/);
    const runDir = /logs in (\S+)/.exec(stderr)![1];
    const children = descendants(cli.pid!);
    expect(children.length).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((resolve) => cli!.once('exit', resolve));
    cli.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => children.filter(alive).length === 0, 15_000);
    expect(children.filter(alive)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  });

  it('a Ctrl-C while the cluster is starting stops it once started: no node left, no run folder', async () => {
    // Straight under node (not the tsx wrapper, which may SIGKILL a child slow to answer a relayed signal).
    cli = spawn(
      process.execPath,
      ['--import', 'tsx', 'runtime/local/main.ts', '--nodes', '2', '--clients', '0'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    cli.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // The first node process is up: the cluster is part-way through its start.
    const deadline = Date.now() + 40_000;
    let node: string | undefined;
    while (!node && Date.now() < deadline) {
      const args = descendants(cli.pid!).map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      });
      node = args.find((a) => a.includes('wslb-node.js'));
      if (!node) await new Promise((r) => setTimeout(r, 50));
    }
    expect(node).toBeDefined();
    const runDir = /(\/tmp\/wslb-[^/]+)\//.exec(node!)![1];
    const exited = new Promise<number | null>((resolve) => cli!.once('exit', resolve));
    cli.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain('Ctrl-C stops it');
    const left = execFileSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(runDir));
    expect(left).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  });
});
