import fc from 'fast-check';
import { DEFAULTS, parseConfig } from '../../../../lib/config';
import { haproxyInputFromSettings } from '../../../../runtime/haproxy/agent/haproxy-file';
import { agentSettingsFromEnv } from '../../../../runtime/haproxy/agent/settings';
import type { Backend } from '../../../../runtime/haproxy/render/backend';
import { renderHaproxyConfig } from '../../../../runtime/haproxy/render/render-haproxy';
import { planServers } from '../../../../runtime/haproxy/render/source-ips';

describe('planServers', () => {
  const backends = [
    { id: 'n1', host: '10.0.1.1', port: 8080 },
    { id: 'n2', host: '10.0.1.2', port: 8080 },
  ];

  it('gives every node one server line per source IP, each with its own source', () => {
    const plan = planServers({ backends, sourceIps: ['10.0.0.11', '10.0.0.12', '10.0.0.13'] });
    expect(plan.servers.map((s) => `${s.name} ${s.host} ${s.source}`)).toEqual([
      'n1-s1 10.0.1.1 10.0.0.11',
      'n1-s2 10.0.1.1 10.0.0.12',
      'n1-s3 10.0.1.1 10.0.0.13',
      'n2-s1 10.0.1.2 10.0.0.11',
      'n2-s2 10.0.1.2 10.0.0.12',
      'n2-s3 10.0.1.2 10.0.0.13',
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('without source IPs renders one line per node and no source', () => {
    const plan = planServers({ backends, sourceIps: [] });
    expect(plan.servers).toEqual([
      { name: 'n1-s1', nodeId: 'n1', host: '10.0.1.1', port: 8080 },
      { name: 'n2-s1', nodeId: 'n2', host: '10.0.1.2', port: 8080 },
    ]);
  });

  it('warns when the source IPs cannot hold what may go to one node', () => {
    const plan = planServers({
      backends,
      sourceIps: ['10.0.0.11'],
      targetConnections: 200_000,
      maxConnectionsPerNode: 100_000,
    });
    expect(plan.warnings).toEqual([
      'too few source IPs: up to 100000 connections to one node (node cap 100000) need 4 ' +
        '(28232 ports per source IP and node), have 1',
    ]);
    expect(planServers({ backends, sourceIps: ['10.0.0.11'], targetConnections: 30_000 }).warnings).toEqual([
      'too few source IPs: up to 30000 connections to one node need 2 (28232 ports per source IP and node), have 1',
    ]);
  });

  it('does not warn when they can', () => {
    const ips = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'];
    expect(
      planServers({ backends, sourceIps: ips, targetConnections: 200_000, maxConnectionsPerNode: 100_000 })
        .warnings,
    ).toEqual([]);
  });
});

/**
 * The agent as the stack configures it: the env file's TARGET_CONNECTIONS, MAX_CONNECTIONS_PER_NODE and one
 * source IP per address the stack planned (lib/haproxy/haproxy-pair.ts), with `running` nodes discovered.
 */
function agentWarnings(context: Record<string, unknown>, running: number, ipsGiven?: number): string[] {
  const config = parseConfig({ strategy: 'haproxy', ...context });
  const ips = Array.from({ length: ipsGiven ?? config.haproxySourceIps }, (_, i) => `10.40.2.${10 + i}`);
  const settings = agentSettingsFromEnv({
    BACKENDS_FILE: '/dev/null',
    TARGET_CONNECTIONS: String(config.targetConnections),
    MAX_CONNECTIONS_PER_NODE: String(config.maxConnectionsPerNode),
  });
  const backends: Backend[] = Array.from({ length: running }, (_, i) => ({
    id: `n${i}`,
    host: `10.40.1.${10 + i}`,
    port: config.wsPort,
  }));
  return renderHaproxyConfig(
    haproxyInputFromSettings(settings, backends, ips, { prometheusExporter: true }),
  ).warnings.filter((w) => w.startsWith('too few source IPs'));
}

describe("the agent's source-IP warning agrees with the stack's sizing", () => {
  it('with the defaults: one source IP, and no warning with one running node or all of them', () => {
    expect(parseConfig({ strategy: 'haproxy' }).haproxySourceIps).toBe(1);
    for (let running = 1; running <= DEFAULTS.nodes.max; running++) {
      expect(agentWarnings({}, running)).toEqual([]);
    }
  });

  it('for any context the stack accepts: silent with the planned addresses, warning with one fewer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 100 }),
        (maxNodes, maxConnectionsPerNode, targetConnections, runningPick) => {
          const context = {
            nodes: `1/1/${maxNodes}`,
            maxConnectionsPerNode,
            targetConnections,
            haproxyInstanceType: 'c7gn.16xlarge', // the largest ENI (49), so most inputs synth
          };
          let planned: number;
          try {
            planned = parseConfig({ strategy: 'haproxy', ...context }).haproxySourceIps;
          } catch {
            return; // the stack refuses these inputs: nothing is deployed, nothing to agree with
          }
          const running = 1 + (runningPick % maxNodes);
          expect(agentWarnings(context, running)).toEqual([]);
          if (planned > 1) expect(agentWarnings(context, running, planned - 1)).toHaveLength(1);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
