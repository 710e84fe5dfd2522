import { join } from 'node:path';
import { execInNamespace } from '../../../../runtime/local/netns';
import { FLOW_TRACKING_TABLE, renderFlowTracking } from '../../../../runtime/local/netns/track-flows';
import { useFixtureBundles } from './fixture-bundle';
import { describeWithNamespaces, useTestNamespace } from './kernel-support';

/** The namespace's client port range is this wide (one goes to the server); the fixture opens at most 64 flows. */
const FLOWS = 8;
const VIP = { host: '127.0.9.9', port: 8000 };

describeWithNamespaces('conntrack follows every flow of a namespace from its first packet', () => {
  const namespace = useTestNamespace('track');
  const fixture = useFixtureBundles([join(__dirname, 'fixtures', 'flow-clash.ts')]);

  /** Direct flows, then a DNAT to the same server, then the server closes the direct flows. */
  const clash = async (table: string, firstPort: number) => {
    // Our own namespace: its port range is narrowed to a few ports, which the direct flows exhaust, so each VIP flow
    // reuses one of their client ports (a fresh range per case: the last one's are in TIME_WAIT).
    await execInNamespace(namespace(), 'sysctl', [
      '-qw',
      `net.ipv4.ip_local_port_range=${firstPort} ${firstPort + FLOWS}`,
    ]);
    const { stdout } = await execInNamespace(
      namespace(),
      process.execPath,
      [fixture('flow-clash.ts'), JSON.stringify({ vip: VIP, flows: 64, table })],
      { timeoutMs: 20_000 },
    );
    await execInNamespace(namespace(), 'nft', ['delete', 'table', 'ip', table]);
    const result = JSON.parse(stdout) as { flows: number; told: number };
    expect(result.flows).toBeGreaterThanOrEqual(FLOWS / 2);
    return result;
  };

  it('renders a filter chain before the NAT hook that counts new flows', () => {
    expect(renderFlowTracking()).toContain(`table ip ${FLOW_TRACKING_TABLE}`);
    expect(renderFlowTracking()).toMatch(/type filter hook output priority -300;.*\n\s+ct state new counter/);
  });

  it('a namespace from createNamespace has the tracking table', async () => {
    const { stdout } = await execInNamespace(namespace(), 'nft', ['list', 'tables']);
    expect(stdout).toContain(`table ip ${FLOW_TRACKING_TABLE}`);
  });

  it('with it, a DNAT added later does not take over a live direct flow: every direct client gets its close', async () => {
    const result = await clash('wslb_clash_a', 40000);
    expect(result.told).toBe(result.flows);
  }, 30_000);

  it('without it (the cause of chaos 16’s stuck clients), a direct client misses its close', async () => {
    await execInNamespace(namespace(), 'nft', ['delete', 'table', 'ip', FLOW_TRACKING_TABLE]);
    const result = await clash('wslb_clash_b', 41000);
    expect(result.told).toBeLessThan(result.flows);
  }, 30_000);
});
