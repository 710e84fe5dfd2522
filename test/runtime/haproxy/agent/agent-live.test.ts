import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../../../runtime/haproxy/agent/agent';
import type { RuntimeServers } from '../../../../runtime/haproxy/agent/runtime-servers';
import { StaticBackendSource } from '../../../../runtime/haproxy/discovery/static-backend-source';
import type { Backend } from '../../../../runtime/haproxy/render/backend';
import { type RenderedServer, renderHaproxyConfig } from '../../../../runtime/haproxy/render/render-haproxy';
import { memoryLogger } from '../helpers/logger';

const n = (id: string, port = 9000): Backend => ({ id, host: '127.0.0.1', port });

/** Records runtime API calls; `busy` servers refuse deletion, `failAdd` makes every add throw. */
class FakeRuntime implements RuntimeServers {
  calls: string[] = [];
  busy = new Set<string>();
  failAdd = false;
  async add(server: RenderedServer): Promise<void> {
    this.calls.push(`add ${server.name} ${server.runtimeArgs}`);
    if (this.failAdd) throw new Error('No such backend.');
  }
  async remove(name: string): Promise<boolean> {
    this.calls.push(`remove ${name}`);
    return !this.busy.has(name);
  }
}

describe('Agent with live server changes', () => {
  let dir: string;
  let backends: Backend[];
  let reloads: number;
  let maxconnPerServer: number;
  let runtime: FakeRuntime;

  const agent = () =>
    new Agent({
      source: new StaticBackendSource(() => backends),
      render: (list) =>
        renderHaproxyConfig({
          listen: { port: 8000 },
          stats: { port: 8404 },
          statsSocket: '/tmp/x.sock',
          backends: list,
          sourceIps: ['10.0.0.11', '10.0.0.12'],
          maxconnPerServer,
        }),
      configPath: join(dir, 'haproxy.cfg'),
      check: async () => ({ ok: true, output: '' }),
      reloader: {
        running: async () => true,
        reload: async () => {
          reloads++;
        },
      },
      runtime,
      logger: memoryLogger().logger,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-agent-live-'));
    backends = [n('a')];
    reloads = 0;
    maxconnPerServer = 5000;
    runtime = new FakeRuntime();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads once to learn what runs, then adds a node line by line without a reload', async () => {
    const a = agent();
    expect(await a.syncOnce()).toBe('reloaded');
    backends = [n('a'), n('b', 9001)];
    expect(await a.syncOnce()).toBe('updated-live');
    expect(reloads).toBe(1);
    expect(runtime.calls).toEqual([
      'add b-s1 127.0.0.1:9001 source 10.0.0.11 maxconn 5000 check inter 2s fall 3 rise 2',
      'add b-s2 127.0.0.1:9001 source 10.0.0.12 maxconn 5000 check inter 2s fall 3 rise 2',
    ]);
    // The file says the same, for the next start or reload.
    const file = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    expect(file).toContain('server b-s1 127.0.0.1:9001 source 10.0.0.11 maxconn 5000 check');
    expect(file).toContain('server b-s2 127.0.0.1:9001 source 10.0.0.12 maxconn 5000 track ws_nodes/b-s1');
  });

  it('removes a node tracking lines first, and retries one that still holds sessions on later rounds', async () => {
    backends = [n('a'), n('b', 9001)];
    const a = agent();
    await a.syncOnce();
    runtime.busy.add('b-s1');
    backends = [n('a')];
    expect(await a.syncOnce()).toBe('updated-live');
    expect(runtime.calls).toEqual(['remove b-s2', 'remove b-s1']);
    expect(await a.syncOnce()).toBe('unchanged');
    expect(runtime.calls.slice(2)).toEqual(['remove b-s1']);
    runtime.busy.clear();
    await a.syncOnce();
    expect(await a.syncOnce()).toBe('unchanged');
    expect(runtime.calls.slice(3)).toEqual(['remove b-s1']);
    expect(reloads).toBe(1);
  });

  it('reloads when a server line itself changes, or when a lingering name comes back', async () => {
    const a = agent();
    await a.syncOnce();
    maxconnPerServer = 6000;
    backends = [n('a'), n('b', 9001)];
    expect(await a.syncOnce()).toBe('reloaded');
    runtime.busy.add('b-s1');
    backends = [n('a')];
    expect(await a.syncOnce()).toBe('updated-live');
    backends = [n('a'), n('b', 9001)];
    expect(await a.syncOnce()).toBe('reloaded');
    expect(reloads).toBe(3);
  });

  it('falls back to a reload when the runtime API refuses', async () => {
    const a = agent();
    await a.syncOnce();
    runtime.failAdd = true;
    backends = [n('a'), n('b', 9001)];
    expect(await a.syncOnce()).toBe('reloaded');
    expect(reloads).toBe(2);
    runtime.failAdd = false;
    backends = [n('a'), n('b', 9001), n('c', 9002)];
    expect(await a.syncOnce()).toBe('updated-live');
  });
});
