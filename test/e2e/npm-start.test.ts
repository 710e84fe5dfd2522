import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const start = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['runtime/local/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
    env: { ...process.env, ...env },
  });

const NLB_ARGS = ['--strategy', 'nlb', '--once', '--json', '--nodes', '3', '--clients', '900'];

describe('npm start (the local cluster CLI)', () => {
  it('--once --json --nodes 3 --clients 900: all connect, every node holds 270-330', () => {
    const run = start(['--once', '--json', '--nodes', '3', '--clients', '900']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({
      strategy: 'direct',
      clients: { requested: 900, connected: 900, failed: 0 },
    });
    expect(summary.nodes).toHaveLength(3);
    for (const node of summary.nodes) {
      expect(node.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      expect(node.connections).toBeGreaterThanOrEqual(270);
      expect(node.connections).toBeLessThanOrEqual(330);
    }
  });

  it('--auth-instances 16 --nodes 4 --clients 2000: 16 independent auth instances still spread evenly (<= 1.05)', () => {
    const run = start(['--once', '--json', '--auth-instances', '16', '--nodes', '4', '--clients', '2000']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({ clients: { connected: 2000 }, auth: { instances: 16, sessions: 2000 } });
    const counts = summary.nodes.map((n: { connections: number }) => n.connections);
    expect(Math.max(...counts) / 500).toBeLessThanOrEqual(1.05);
  });

  it('--strategy haproxy --once --json --nodes 3 --clients 900: all connect through HAProxy, every node 270-330', () => {
    const run = start(['--strategy', 'haproxy', '--once', '--json', '--nodes', '3', '--clients', '900']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({
      strategy: 'haproxy',
      clients: { requested: 900, connected: 900, failed: 0 },
    });
    for (const node of summary.nodes) {
      expect(node.connections).toBeGreaterThanOrEqual(270);
      expect(node.connections).toBeLessThanOrEqual(330);
    }
    expect(summary.haproxy.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const perServer = Object.values(summary.haproxy.servers) as number[];
    expect(perServer).toHaveLength(6);
    expect(perServer.reduce((a, b) => a + b)).toBe(900);
  });

  it('--strategy nlb: all 900 connect through the kernel balancer in a namespace, nodes see the clients’ own address', () => {
    const run = start(NLB_ARGS);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({
      strategy: 'nlb',
      clients: { connected: 900, failed: 0 },
      nlb: { standIn: 'kernel' },
    });
    expect(summary.nlb.namespace).toMatch(/^wslb-/);
    expect(summary.nodes.reduce((sum: number, n: { connections: number }) => sum + n.connections, 0)).toBe(
      900,
    );
    for (const node of summary.nodes) expect(node.peers['127.0.5.5']).toBe(node.connections);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(summary.nlb.namespace);
  });

  it('--strategy nlb without a namespace falls back to HAProxy in tcp mode, and says so', () => {
    const run = start(NLB_ARGS, { WSLB_NLB_FALLBACK: '1' });
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({ clients: { connected: 900 }, nlb: { standIn: 'haproxy-tcp' } });
    expect(run.stderr).toContain('the NLB stand-in is HAProxy in tcp mode instead');
  });

  it('refuses a bad flag value, naming the flag, with exit code 2', () => {
    const run = start(['--once', '--nodes', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^--nodes: /m);
    expect(run.stderr).toContain('usage: npm start --');
  });
});
