import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(120_000);

const root = join(__dirname, '..', '..');
const start = (args: string[]) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['runtime/local/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 110_000,
  });

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

  it('refuses a bad flag value, naming the flag, with exit code 2', () => {
    const run = start(['--once', '--nodes', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^--nodes: /m);
    expect(run.stderr).toContain('usage: npm start --');
  });
});
