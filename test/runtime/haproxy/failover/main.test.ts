import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEntry } from '../helpers/run-entry';

describe('failover-main as a process (no EC2 call on these paths)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-failover-main-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    VIP_PRIVATE_IP: '10.0.0.100',
    NETWORK_INTERFACE_ID: 'eni-0aaa',
    VRRP_STATE_FILE: join(dir, 'state.json'),
    AWS_REGION: 'eu-west-1',
  };

  it('records BACKUP from a keepalived notify and exits 0', async () => {
    const { done } = runEntry('failover/main.ts', ['backup'], env);
    expect(await done).toBe(0);
    expect(JSON.parse(readFileSync(env.VRRP_STATE_FILE, 'utf8')).state).toBe('BACKUP');
  });

  it('exits 2 on a bad argument or bad settings, saying why in a JSON line', async () => {
    const usage = runEntry('failover/main.ts', ['promote'], env);
    expect(await usage.done).toBe(2);
    expect(JSON.parse(usage.output().trim().split('\n').pop()!)).toMatchObject({
      event: 'usage',
      level: 'error',
    });
    const bad = runEntry('failover/main.ts', ['master'], { ...env, VIP_PRIVATE_IP: 'nope' });
    expect(await bad.done).toBe(2);
    expect(bad.output()).toContain('VIP_PRIVATE_IP');
  });
});
