import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type KeepalivedInput,
  renderKeepalivedConfig,
} from '../../../../runtime/haproxy/render/render-keepalived';
import { describeWithTool, toolOrSkip } from '../helpers/tools';

const base: KeepalivedInput = {
  interface: 'ens5',
  priority: 150,
  unicastSrcIp: '10.0.0.5',
  unicastPeers: ['10.0.0.6'],
  vip: '10.0.0.100',
  failoverCommand: '/opt/wslb/bin/wslb-failover',
};

describe('renderKeepalivedConfig', () => {
  const text = renderKeepalivedConfig(base);

  it('renders a BACKUP/nopreempt unicast instance that notifies the failover program', () => {
    const lines = text.split('\n');
    for (const line of [
      '  script_user root',
      '  enable_script_security',
      '  vrrp_version 3',
      '  script "/usr/bin/curl -fsS -m 2 -o /dev/null http://127.0.0.1:8404/health"',
      '  state BACKUP',
      '  nopreempt',
      '  priority 150',
      '  advert_int 0.5',
      '  unicast_src_ip 10.0.0.5',
      '    10.0.0.6',
      '    10.0.0.100/32 dev ens5',
      '    chk_haproxy',
      '  notify_master "/opt/wslb/bin/wslb-failover master"',
      '  notify_backup "/opt/wslb/bin/wslb-failover backup"',
      '  notify_fault "/opt/wslb/bin/wslb-failover fault"',
      '  notify_stop "/opt/wslb/bin/wslb-failover stop"',
    ]) {
      expect(lines).toContain(line);
    }
    expect(text).not.toContain('state MASTER');
  });

  it('can check the process instead of the monitor URI', () => {
    expect(renderKeepalivedConfig({ ...base, check: { kind: 'pidof' } })).toContain(
      '  script "/usr/bin/pidof haproxy"',
    );
  });

  it('refuses inconsistent input with every problem named', () => {
    expect(() =>
      renderKeepalivedConfig({ ...base, unicastPeers: ['10.0.0.5'], vip: '10.0.0.5', priority: 255 }),
    ).toThrow(/priority: .*\n.*unicastPeers: the peer list holds unicastSrcIp\n.*vip: the VIP must differ/s);
    expect(() => renderKeepalivedConfig({ ...base, failoverCommand: 'relative/path' })).toThrow(
      'failoverCommand',
    );
  });
});

/** keepalived refuses a loopback interface and checks that the named one exists: use a real one. */
function realInterface(): string {
  const named = Object.entries(networkInterfaces()).find(([, addrs]) => addrs?.some((a) => !a.internal));
  if (named) return named[0];
  const any = readdirSync('/sys/class/net').find((n) => n !== 'lo');
  if (!any) throw new Error('no non-loopback interface for keepalived -t');
  return any;
}

/**
 * `keepalived -t` in 2.2.7 exits non-zero (5) on any complaint, including warnings such as "No VIP specified",
 * and 0 for a missing file unless `-e` is given; so `-e -t` and an empty output are what we assert.
 */
function keepalivedTest(bin: string, file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['-e', '-t', '-f', file], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}

describeWithTool('keepalived', 'apt-get install -y keepalived')(
  'keepalived -t accepts every rendered config',
  () => {
    let dir: string;
    let bin: string;
    let iface: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'wslb-keepalived-'));
      bin = toolOrSkip('keepalived', 'apt-get install -y keepalived')!;
      iface = realInterface();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const cases: Array<[string, Partial<KeepalivedInput>]> = [
      ['first of the pair, http check', {}],
      ['second of the pair', { priority: 100, unicastSrcIp: '10.0.0.6', unicastPeers: ['10.0.0.5'] }],
      ['pidof check', { check: { kind: 'pidof' } }],
      ['sub-second adverts (VRRPv3)', { advertIntSeconds: 0.5, virtualRouterId: 200 }],
      ['three peers, /24 VIP', { unicastPeers: ['10.0.0.6', '10.0.0.7', '10.0.0.8'], vipPrefixLength: 24 }],
    ];

    it.each(cases)('%s', async (name, extra) => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.conf`);
      writeFileSync(file, renderKeepalivedConfig({ ...base, interface: iface, ...extra }));
      expect(await keepalivedTest(bin, file)).toEqual({ code: 0, output: '' });
    });

    it('the check itself catches a bad file and a missing one', async () => {
      const bad = join(dir, 'bad.conf');
      writeFileSync(
        bad,
        renderKeepalivedConfig({ ...base, interface: iface }).replace('state BACKUP', 'state BOGUS'),
      );
      expect((await keepalivedTest(bin, bad)).code).not.toBe(0);
      expect((await keepalivedTest(bin, join(dir, 'missing.conf'))).code).not.toBe(0);
    });
  },
);
