import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkHaproxyConfig } from '../../../../runtime/haproxy/agent/haproxy-binary';
import type { HaproxyInput } from '../../../../runtime/haproxy/render/haproxy-input';
import { formatDuration, renderHaproxyConfig } from '../../../../runtime/haproxy/render/render-haproxy';
import { selfSignedPem } from '../helpers/tls-cert';
import { describeWithTool, toolOrSkip } from '../helpers/tools';

const base: HaproxyInput = {
  listen: { port: 8000 },
  stats: { port: 8404 },
  statsSocket: '/run/haproxy/admin.sock',
};
const backends = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `i-${(i + 1).toString(16).padStart(17, '0')}`,
    host: `10.0.1.${i + 1}`,
    port: 8080,
  }));
const ips = (m: number) => Array.from({ length: m }, (_, i) => `10.0.0.${i + 10}`);

describe('renderHaproxyConfig', () => {
  const text = renderHaproxyConfig({ ...base, backends: backends(2), sourceIps: ips(2) }).text;

  it('renders the WebSocket-relevant settings', () => {
    for (const line of [
      '  master-worker',
      '  hard-stop-after 1h',
      '  stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners',
      '  mode http',
      '  timeout tunnel 1h',
      '  timeout client-fin 30s',
      '  balance leastconn',
      '  option httpchk GET /healthz',
      '  http-check expect status 200',
      '  default-server inter 2s fall 3 rise 2',
      '  bind 0.0.0.0:8000',
      '  bind 127.0.0.1:8404',
      '  http-request use-service prometheus-exporter if { path /metrics }',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).not.toContain('http-server-close');
    expect(text).not.toContain('httpclose');
  });

  it('renders one server line per node and source IP; the first checks, the others track it', () => {
    const servers = text.split('\n').filter((l) => l.startsWith('  server '));
    expect(servers).toEqual([
      '  server i-00000000000000001-s1 10.0.1.1:8080 source 10.0.0.10 maxconn 28232 check',
      '  server i-00000000000000001-s2 10.0.1.1:8080 source 10.0.0.11 maxconn 28232 track ws_nodes/i-00000000000000001-s1',
      '  server i-00000000000000002-s1 10.0.1.2:8080 source 10.0.0.10 maxconn 28232 check',
      '  server i-00000000000000002-s2 10.0.1.2:8080 source 10.0.0.11 maxconn 28232 track ws_nodes/i-00000000000000002-s1',
    ]);
  });

  it('binds with ssl crt when a certificate is given', () => {
    const tls = renderHaproxyConfig({ ...base, tlsCertFile: '/etc/wslb/tls.pem' }).text;
    expect(tls).toContain('  bind 0.0.0.0:8000 ssl crt /etc/wslb/tls.pem');
  });

  it('renders an L4 flow balancer in tcp mode: random balance, no HTTP-only options, stats still in http', () => {
    const tcp = renderHaproxyConfig({ ...base, mode: 'tcp', backends: backends(2) }).text;
    expect(tcp).toContain('defaults\n  mode tcp\n');
    expect(tcp).toContain('  balance random\n');
    expect(tcp).not.toContain('option forwardfor');
    expect(tcp).not.toContain('timeout http-request');
    expect(tcp).toContain('frontend stats\n  mode http\n');
  });

  it('accepts zero backends with a warning (an empty backend answers 503)', () => {
    const r = renderHaproxyConfig(base);
    expect(r.text).not.toMatch(/^ {2}server /m);
    expect(r.warnings).toEqual(['no backends: HAProxy answers 503 until one is discovered']);
  });

  it('refuses bad input, naming every problem at once', () => {
    expect(() =>
      renderHaproxyConfig({
        ...base,
        listen: { port: 70000 },
        backends: [
          { id: 'a', host: '10.0.0.1', port: 8080 },
          { id: 'a', host: '10.0.0.2', port: 0 },
        ],
        sourceIps: ['10.0.0.9', 'not-an-ip'],
      }),
    ).toThrow(/listen\.port: .*\n.*backends\.1\.port: .*\n.*sourceIps\.1: /s);
    expect(() =>
      renderHaproxyConfig({
        ...base,
        backends: [
          { id: 'a', host: '10.0.0.1', port: 1 },
          { id: 'a', host: '10.0.0.2', port: 2 },
        ],
      }),
    ).toThrow('backends.1.id: duplicate backend id a');
    expect(() =>
      renderHaproxyConfig({ ...base, backends: [{ id: 'bad id', host: '10.0.0.1', port: 1 }] }),
    ).toThrow('backends.0.id');
  });

  it('formats durations in the largest exact unit', () => {
    expect([
      formatDuration(3_600_000),
      formatDuration(90_000),
      formatDuration(1_500),
      formatDuration(30_000),
    ]).toEqual(['1h', '90s', '1500ms', '30s']);
  });
});

describeWithTool('haproxy', 'apt-get install -y haproxy')('haproxy -c accepts every rendered config', () => {
  let dir: string;
  let certFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wslb-render-'));
    const openssl = toolOrSkip('openssl', 'apt-get install -y openssl');
    if (!openssl) return;
    certFile = selfSignedPem(openssl, dir);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, () => HaproxyInput]> = [
    ['zero backends', () => base],
    ['1 backend, no source IPs', () => ({ ...base, backends: backends(1) })],
    ['1 backend, 1 source IP', () => ({ ...base, backends: backends(1), sourceIps: ips(1) })],
    ['3 backends, 4 source IPs', () => ({ ...base, backends: backends(3), sourceIps: ips(4) })],
    ['50 backends, 8 source IPs', () => ({ ...base, backends: backends(50), sourceIps: ips(8) })],
    [
      'large maxconn',
      () => ({
        ...base,
        backends: backends(2),
        sourceIps: ips(2),
        maxconn: 2_000_000,
        maxconnPerServer: 60_000,
      }),
    ],
    [
      'custom timeouts and health check',
      () => ({
        ...base,
        backends: backends(2),
        timeouts: { tunnelMs: 86_400_000, clientFinMs: 1_500, hardStopAfterMs: 600_000 },
        healthCheck: { path: '/ready', interMs: 250, fall: 5, rise: 1 },
      }),
    ],
    ['dropping root to the haproxy user', () => ({ ...base, backends: backends(1), user: 'haproxy' })],
    ['TLS on', () => ({ ...base, backends: backends(2), sourceIps: ips(2), tlsCertFile: certFile })],
    ['tcp mode (the NLB fallback)', () => ({ ...base, mode: 'tcp' as const, backends: backends(3) })],
  ];

  it.each(cases)('%s', async (name, input) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.cfg`);
    writeFileSync(file, renderHaproxyConfig(input()).text);
    const result = await checkHaproxyConfig(file);
    expect(result.output).not.toMatch(/WARNING|ALERT/);
    expect(result).toEqual({ ok: true, output: 'Configuration file is valid' });
  });

  it('the check itself catches a broken file', async () => {
    const file = join(dir, 'broken.cfg');
    writeFileSync(file, `${renderHaproxyConfig(base).text}\nbackend x\n  balance nonsense\n`);
    expect((await checkHaproxyConfig(file)).ok).toBe(false);
  });
});
