import {
  DEFAULT_PORT_RANGE,
  planServers,
  portsPerPair,
  sourceIpsNeeded,
} from '../../../../runtime/haproxy/render/source-ips';

describe('portsPerPair', () => {
  it('is 28,232 for the default 32768-60999 range', () => {
    expect(portsPerPair()).toBe(28_232);
    expect(portsPerPair(DEFAULT_PORT_RANGE)).toBe(28_232);
  });

  it('accepts a custom range and refuses an empty or out-of-bounds one', () => {
    expect(portsPerPair({ low: 1024, high: 65535 })).toBe(64_512);
    expect(() => portsPerPair({ low: 2000, high: 1000 })).toThrow('port range is empty (got 2000-1000)');
    expect(() => portsPerPair({ low: 0, high: 1000 })).toThrow('within 1-65535');
  });
});

describe('sourceIpsNeeded', () => {
  it('needs one address while each backend share fits one port range', () => {
    expect(sourceIpsNeeded({ targetConnections: 28_232, backends: 1 })).toEqual({
      sourceIps: 1,
      perBackendShare: 28_232,
      portsPerPair: 28_232,
      capacity: 28_232,
    });
  });

  it('takes the per-backend share, not the total: 200,000 over 4 backends needs 2', () => {
    const need = sourceIpsNeeded({ targetConnections: 200_000, backends: 4 });
    expect(need.perBackendShare).toBe(50_000);
    expect(need.sourceIps).toBe(2);
    expect(need.capacity).toBe(2 * 28_232 * 4);
  });

  it('rounds the share up: 100,001 over 2 backends puts 50,001 on one', () => {
    expect(sourceIpsNeeded({ targetConnections: 100_001, backends: 2 }).perBackendShare).toBe(50_001);
  });

  it('matches the README example: 400,000 over 6 nodes needs 3', () => {
    expect(sourceIpsNeeded({ targetConnections: 400_000, backends: 6 })).toEqual({
      sourceIps: 3,
      perBackendShare: 66_667,
      portsPerPair: 28_232,
      capacity: 508_176,
    });
  });

  it('one more connection than a range holds needs a second address', () => {
    expect(sourceIpsNeeded({ targetConnections: 28_233, backends: 1 }).sourceIps).toBe(2);
  });

  it('uses a custom range (the 500-port namespace of the toolchain notes)', () => {
    expect(
      sourceIpsNeeded({ targetConnections: 1_125, backends: 1, portRange: { low: 40000, high: 40499 } }),
    ).toEqual({ sourceIps: 3, perBackendShare: 1_125, portsPerPair: 500, capacity: 1_500 });
  });

  it('needs at least one address, even for zero connections', () => {
    expect(sourceIpsNeeded({ targetConnections: 0, backends: 3 }).sourceIps).toBe(1);
  });

  it('refuses nonsense', () => {
    expect(() => sourceIpsNeeded({ targetConnections: -1, backends: 1 })).toThrow('targetConnections');
    expect(() => sourceIpsNeeded({ targetConnections: 10, backends: 0 })).toThrow(
      'backends must be a positive integer (got 0)',
    );
  });
});

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

  it('warns when the source IPs cannot hold the target', () => {
    const plan = planServers({ backends, sourceIps: ['10.0.0.11'], targetConnections: 200_000 });
    expect(plan.warnings).toEqual([
      'too few source IPs: 200000 connections over 2 backends need 4 (100000 per backend, 28232 ports per source IP and backend), have 1',
    ]);
  });

  it('does not warn when they can', () => {
    const ips = ['10.0.0.11', '10.0.0.12', '10.0.0.13', '10.0.0.14'];
    expect(planServers({ backends, sourceIps: ips, targetConnections: 200_000 }).warnings).toEqual([]);
  });
});
