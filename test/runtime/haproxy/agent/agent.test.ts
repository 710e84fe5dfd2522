import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, type AgentOptions } from '../../../../runtime/haproxy/agent/agent';
import { StaticBackendSource } from '../../../../runtime/haproxy/discovery/static-backend-source';
import type { Backend } from '../../../../runtime/haproxy/render/backend';
import { renderHaproxyConfig } from '../../../../runtime/haproxy/render/render-haproxy';
import { memoryLogger } from '../helpers/logger';

const n = (id: string, port = 9000): Backend => ({ id, host: '127.0.0.1', port });

describe('Agent', () => {
  let dir: string;
  let configPath: string;
  let backends: Backend[] | Error;
  let running: boolean;
  let reloads: number;
  let checked: string[];
  let checkOk: boolean;

  const agent = (extra: Partial<AgentOptions> = {}) => {
    const log = memoryLogger();
    const a = new Agent({
      source: new StaticBackendSource(() => {
        if (backends instanceof Error) throw backends;
        return backends;
      }),
      render: (list) =>
        renderHaproxyConfig({
          listen: { port: 8000 },
          stats: { port: 8404 },
          statsSocket: '/tmp/x.sock',
          backends: list,
        }),
      configPath,
      check: async (file) => {
        checked.push(readFileSync(file, 'utf8'));
        return { ok: checkOk, output: checkOk ? 'Configuration file is valid' : '[ALERT] broken' };
      },
      reloader: {
        running: async () => running,
        reload: async () => {
          reloads++;
        },
      },
      logger: log.logger,
      ...extra,
    });
    return { a, log };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-agent-'));
    configPath = join(dir, 'haproxy.cfg');
    backends = [n('a')];
    running = true;
    reloads = 0;
    checked = [];
    checkOk = true;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the first config without a reload while haproxy is not running', async () => {
    running = false;
    const { a } = agent();
    expect(await a.syncOnce()).toBe('written');
    expect(readFileSync(configPath, 'utf8')).toContain('server a-s1 127.0.0.1:9000');
    expect(reloads).toBe(0);
  });

  it('reloads when the set changes, not when it is the same set in another order', async () => {
    const { a } = agent();
    expect(await a.syncOnce()).toBe('reloaded');
    backends = [n('b', 9001), n('a')];
    expect(await a.syncOnce()).toBe('reloaded');
    backends = [n('a'), n('b', 9001)];
    expect(await a.syncOnce()).toBe('unchanged');
    backends = [n('a'), n('b', 9002)];
    expect(await a.syncOnce()).toBe('reloaded');
    expect(reloads).toBe(3);
    expect(checked).toHaveLength(3);
    expect(readdirSync(dir)).toEqual(['haproxy.cfg']);
  });

  it('does not reload after its own restart when the file on disk already matches', async () => {
    await agent().a.syncOnce();
    expect(reloads).toBe(1);
    expect(await agent().a.syncOnce()).toBe('unchanged');
    expect(reloads).toBe(1);
  });

  it('keeps the live file when haproxy -c refuses the candidate, and tries again next round', async () => {
    writeFileSync(configPath, 'previous');
    checkOk = false;
    const { a, log } = agent();
    expect(await a.syncOnce()).toBe('invalid');
    expect(readFileSync(configPath, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['haproxy.cfg']);
    expect(reloads).toBe(0);
    expect(log.lines.find((l) => l.event === 'config_invalid')).toMatchObject({ output: '[ALERT] broken' });
    expect(a.failure).toBe('haproxy -c refused the rendered config:\n[ALERT] broken');
    checkOk = true;
    expect(await a.syncOnce()).toBe('reloaded');
    expect(a.failure).toBeUndefined();
  });

  it('keeps the current set when discovery fails or suddenly finds nothing', async () => {
    const { a, log } = agent();
    await a.syncOnce();
    backends = new Error('DescribeInstances: throttled');
    expect(await a.syncOnce()).toBe('error');
    expect(a.failure).toBe('discovery failed: DescribeInstances: throttled');
    backends = [];
    expect(await a.syncOnce()).toBe('skipped-empty');
    expect(readFileSync(configPath, 'utf8')).toContain('server a-s1');
    expect(log.events()).toEqual(expect.arrayContaining(['discovery_failed', 'empty_discovery']));
    expect(reloads).toBe(1);
  });

  it('on first boot with discovery failing, writes a config without servers so HAProxy can start', async () => {
    running = false;
    backends = new Error('UnauthorizedOperation');
    const { a } = agent();
    expect(await a.syncOnce()).toBe('written');
    expect(readFileSync(configPath, 'utf8')).not.toMatch(/^ {2}server /m);
    expect(await a.syncOnce()).toBe('error');
    running = true;
    backends = [n('a')];
    expect(await a.syncOnce()).toBe('reloaded');
  });

  it('applies an empty set when told to', async () => {
    const { a } = agent({ allowEmpty: true });
    await a.syncOnce();
    backends = [];
    expect(await a.syncOnce()).toBe('reloaded');
    expect(readFileSync(configPath, 'utf8')).not.toMatch(/^ {2}server /m);
  });

  it('reports a failed reload and retries it next round', async () => {
    let fail = true;
    const { a, log } = agent({
      reloader: {
        running: async () => true,
        reload: async () => {
          if (fail) throw new Error('reload not confirmed');
          reloads++;
        },
      },
    });
    expect(await a.syncOnce()).toBe('error');
    expect(log.events()).toContain('apply_failed');
    expect(a.failure).toBe('reload not confirmed');
    fail = false;
    // The file already holds the new text, but haproxy may not have loaded it: reload again.
    expect(await a.syncOnce()).toBe('reloaded');
    expect(reloads).toBe(1);
  });

  it('polls on its interval until stopped', async () => {
    const { a } = agent({ pollMs: 20 });
    const waitFor = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(cond()).toBe(true);
    };
    a.start();
    await waitFor(() => reloads === 1);
    backends = [n('a'), n('b', 9001)];
    await waitFor(() => reloads === 2);
    await a.stop();
    backends = [n('c')];
    await new Promise((r) => setTimeout(r, 100));
    expect(reloads).toBe(2);
  });
});
