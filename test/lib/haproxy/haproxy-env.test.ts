import type { HaproxyEnvironment } from '../../../lib/haproxy/haproxy-user-data';
import { envFileText } from '../../../lib/shell';
import { agentSettingsSchema } from '../../../runtime/haproxy/agent/settings';
import { failoverSettingsSchema } from '../../../runtime/haproxy/failover/settings';
import { lifecycleSettingsSchema } from '../../../runtime/haproxy/lifecycle/settings';

const ENV: HaproxyEnvironment = {
  WS_PORT: 8080,
  LISTEN_PORT: 8080,
  MAXCONN: 100_000,
  TARGET_CONNECTIONS: 100_000,
  MAX_CONNECTIONS_PER_NODE: 10_000,
  FLEET_TAG_KEY: 'wslb:fleet',
  FLEET_TAG_VALUE: 'wslb-haproxy',
  VIP_ALLOCATION_ID: 'eipalloc-0123456789abcdef0',
  OVERLAY_IP: '192.168.254.1',
  OVERLAY_ROUTE_TABLE_IDS: 'rtb-0123456789abcdef0,rtb-0fedcba9876543210',
  AWS_REGION: 'eu-west-1',
  VRRP_INTERFACE: 'ens5',
  FAILOVER_COMMAND: '/usr/local/sbin/wslb-failover',
  HAPROXY_PID_FILE: '/run/haproxy.pid',
  HAPROXY_MASTER_SOCKET: '/run/haproxy-master.sock',
  LAUNCH_HOOK: 'wslb-pair-launch',
  TERMINATE_HOOK: 'wslb-pair-terminate',
  SOURCE_IPS: '10.40.2.65,10.40.2.66',
  OWN_IP: '10.40.2.64',
  PEER_IP: '10.40.2.192',
  ELASTIC_IP_PRIVATE_IP: '10.40.2.64',
  KEEPALIVED_PRIORITY: 150,
  PEER_KEEPALIVED_PRIORITY: 100,
  PAIR_GROUP: 'wslb-haproxy-haproxy-a',
  PEER_GROUP: 'wslb-haproxy-haproxy-b',
};

const fromFile = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  ) as Record<string, string>;

describe('haproxy env file ↔ runtime/haproxy settings', () => {
  const env = fromFile(envFileText(ENV));

  test('every variable is read by the agent, the failover program or the lifecycle program', () => {
    const read = new Set([
      ...Object.keys(agentSettingsSchema.shape),
      ...Object.keys(failoverSettingsSchema.shape),
      ...Object.keys(lifecycleSettingsSchema.shape),
    ]);
    expect(Object.keys(env).filter((k) => !read.has(k))).toEqual([]);
  });

  test('the agent, the failover program and the lifecycle program accept it', () => {
    const pick = (shape: object) =>
      Object.fromEntries(
        Object.keys(shape)
          .filter((k) => k in env)
          .map((k) => [k, env[k]]),
      );
    expect(agentSettingsSchema.safeParse(pick(agentSettingsSchema.shape)).error?.issues ?? []).toEqual([]);
    expect(failoverSettingsSchema.safeParse(pick(failoverSettingsSchema.shape)).error?.issues ?? []).toEqual(
      [],
    );
    expect(
      lifecycleSettingsSchema.safeParse(pick(lifecycleSettingsSchema.shape)).error?.issues ?? [],
    ).toEqual([]);
    // Every keepalived.conf input arrives, so the agent renders keepalived.conf (OWN_IP set).
    const { OWN_IP, PEER_IP, VRRP_INTERFACE, KEEPALIVED_PRIORITY, FAILOVER_COMMAND } = ENV;
    const { HAPROXY_PID_FILE, HAPROXY_MASTER_SOCKET } = ENV;
    expect(agentSettingsSchema.parse(pick(agentSettingsSchema.shape))).toMatchObject({
      LISTEN_PORT: 8080,
      SOURCE_IPS: ['10.40.2.65', '10.40.2.66'],
      OVERLAY_IP: '192.168.254.1',
      ...{ OWN_IP, PEER_IP, VRRP_INTERFACE, KEEPALIVED_PRIORITY, FAILOVER_COMMAND },
      ...{ HAPROXY_PID_FILE, HAPROXY_MASTER_SOCKET },
    });
    const { PEER_IP: _, ...withoutPeer } = pick(agentSettingsSchema.shape);
    expect(agentSettingsSchema.safeParse(withoutPeer).error?.issues.map((i) => i.message)).toEqual([
      'required with OWN_IP',
    ]);
  });
});
