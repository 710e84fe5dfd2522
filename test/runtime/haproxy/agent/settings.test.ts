import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent, prepareHost } from '../../../../runtime/haproxy/agent/main';
import { agentSettingsFromEnv } from '../../../../runtime/haproxy/agent/settings';
import type { Imds } from '../../../../runtime/haproxy/discovery/imds';
import { memoryLogger } from '../helpers/logger';

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
    // A haproxy that says what it is built with and accepts every config: the text is what is checked here.
    const haproxyBin = join(dir, 'haproxy');
    writeFileSync(
      haproxyBin,
      '#!/bin/sh\n[ "$1" = "-vv" ] && printf "HAProxy version 2.6.12\\nFeature list : +OPENSSL +PROMEX\\n"\nexit 0\n',
    );
    chmodSync(haproxyBin, 0o755);
    const agent = await buildAgent(settings, memoryLogger().logger, { imds, haproxyBin });
    expect(await agent.syncOnce()).toBe('written');
    const text = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
    expect(text).toContain('  bind 0.0.0.0:443 ssl crt /etc/wslb/tls.pem');
    expect(text).toContain('  timeout tunnel 2h');
    expect(text).toContain('  server n1-s1 10.0.1.1:8080 source 10.0.0.5 maxconn 28232 check');
    expect(text).toContain(
      '  server n1-s2 10.0.1.1:8080 source 10.0.0.11 maxconn 28232 track ws_nodes/n1-s1',
    );
    expect(text).not.toContain('10.0.0.100');
    expect(text).toContain('  user haproxy\n  group haproxy');
  });
});

describe('prepareHost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wslb-prepare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = {
    FLEET_TAG_KEY: 'wslb:fleet',
    FLEET_TAG_VALUE: 'wslb-haproxy',
    HAPROXY_STATS_SOCKET: join(dir, 'run', 'haproxy', 'admin.sock'),
    KEEPALIVED_CONFIG_PATH: join(dir, 'keepalived', 'keepalived.conf'),
    VIP_PRIVATE_IP: '10.40.2.6',
    OWN_IP: '10.40.2.4',
    PEER_IP: '10.40.2.5',
    VRRP_INTERFACE: 'ens5',
    KEEPALIVED_PRIORITY: '150',
    FAILOVER_COMMAND: '/usr/local/sbin/wslb-failover',
  };

  it('creates the stats socket directory and renders keepalived.conf from the env file names', async () => {
    await prepareHost(agentSettingsFromEnv(env), memoryLogger().logger);
    expect(existsSync(join(dir, 'run', 'haproxy'))).toBe(true);
    const text = readFileSync(env.KEEPALIVED_CONFIG_PATH, 'utf8');
    expect(text.startsWith('# Rendered by wslb runtime/haproxy')).toBe(true);
    for (const line of [
      '  unicast_src_ip 10.40.2.4',
      '    10.40.2.5',
      '  priority 150',
      '    10.40.2.6/32 dev ens5',
      '  script "/usr/bin/curl -fsS -m 2 -o /dev/null http://127.0.0.1:8404/health"',
      '  notify_master "/usr/local/sbin/wslb-failover master"',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('needs every keepalived input once OWN_IP is set', () => {
    expect(() =>
      agentSettingsFromEnv({ FLEET_TAG_KEY: 'k', FLEET_TAG_VALUE: 'v', OWN_IP: '10.0.0.1' }),
    ).toThrow(
      /PEER_IP: required with OWN_IP\n.*VRRP_INTERFACE: .*\n.*KEEPALIVED_PRIORITY: .*\n.*FAILOVER_COMMAND: .*\n.*VIP_PRIVATE_IP: VIP_PRIVATE_IP or OVERLAY_IP required with OWN_IP/s,
    );
  });
});
