import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent } from '../../../runtime/haproxy/agent-main';
import { agentSettingsFromEnv } from '../../../runtime/haproxy/agent-settings';
import type { Imds } from '../../../runtime/haproxy/imds';
import { memoryLogger } from './helpers/logger';

describe('agentSettingsFromEnv', () => {
  it('has defaults for everything but the fleet tag', () => {
    expect(agentSettingsFromEnv({ FLEET_TAG_KEY: 'wslb:fleet', FLEET_TAG_VALUE: 'prod' })).toMatchObject({
      HAPROXY_CONFIG_PATH: '/etc/haproxy/haproxy.cfg',
      HAPROXY_PID_FILE: '/run/haproxy.pid',
      HAPROXY_STATS_SOCKET: '/run/haproxy/admin.sock',
      WS_PORT: 8080,
      LISTEN_ADDRESS: '0.0.0.0',
      LISTEN_PORT: 80,
      STATS_PORT: 8404,
      SOURCE_IPS_FROM: 'none',
      POLL_SECONDS: 10,
      MAXCONN: 100_000,
      TUNNEL_TIMEOUT_SECONDS: 3600,
      HARD_STOP_AFTER_SECONDS: 3600,
      HEALTH_PATH: '/healthz',
    });
  });

  it('parses SOURCE_IPS as a comma list', () => {
    const s = agentSettingsFromEnv({ BACKENDS_FILE: '/tmp/b.json', SOURCE_IPS: '10.0.0.11, 10.0.0.12' });
    expect(s.SOURCE_IPS).toEqual(['10.0.0.11', '10.0.0.12']);
  });

  it('names every bad variable at once', () => {
    expect(() =>
      agentSettingsFromEnv({
        FLEET_TAG_KEY: 'k',
        SOURCE_IPS: '10.0.0.1,nope',
        POLL_SECONDS: '0',
        LISTEN_PORT: 'http',
      }),
    ).toThrow(/LISTEN_PORT: .*\n.*SOURCE_IPS\.1: Invalid IPv4 address.*\n.*POLL_SECONDS: /s);
    // zod runs the cross-variable checks once every variable parses on its own.
    expect(() => agentSettingsFromEnv({ FLEET_TAG_KEY: 'k' })).toThrow(
      'FLEET_TAG_KEY: set FLEET_TAG_KEY and FLEET_TAG_VALUE',
    );
    expect(() =>
      agentSettingsFromEnv({ BACKENDS_FILE: '/x', FLEET_TAG_KEY: 'k', FLEET_TAG_VALUE: 'v' }),
    ).toThrow('BACKENDS_FILE: BACKENDS_FILE excludes FLEET_TAG_*');
  });
});

describe('buildAgent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-agent-main-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders from the settings: file source, IMDS source IPs without the VIP, TLS, timeouts', async () => {
    const backendsFile = join(dir, 'backends.json');
    writeFileSync(backendsFile, JSON.stringify([{ id: 'n1', host: '10.0.1.1', port: 8080 }]));
    const settings = agentSettingsFromEnv({
      BACKENDS_FILE: backendsFile,
      HAPROXY_CONFIG_PATH: join(dir, 'haproxy.cfg'),
      HAPROXY_PID_FILE: join(dir, 'none.pid'),
      SOURCE_IPS_FROM: 'imds',
      VIP_PRIVATE_IP: '10.0.0.100',
      TLS_CERT_FILE: '/etc/wslb/tls.pem',
      LISTEN_PORT: '443',
      TUNNEL_TIMEOUT_SECONDS: '7200',
    });
    const imds = { privateIpv4s: async () => ['10.0.0.5', '10.0.0.100', '10.0.0.11'] } as unknown as Imds;
    const agent = await buildAgent(settings, memoryLogger().logger, {
      imds,
      haproxyBin: '/bin/true',
    });
    expect(await agent.syncOnce()).toBe('written');
    const text = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    expect(text).toContain('  bind 0.0.0.0:443 ssl crt /etc/wslb/tls.pem');
    expect(text).toContain('  timeout tunnel 2h');
    expect(text).toContain('  server n1-s1 10.0.1.1:8080 source 10.0.0.5 maxconn 28232 check');
    expect(text).toContain(
      '  server n1-s2 10.0.1.1:8080 source 10.0.0.11 maxconn 28232 track ws_nodes/n1-s1',
    );
    expect(text).not.toContain('10.0.0.100');
  });
});
