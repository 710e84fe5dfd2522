import {
  EPHEMERAL_PORT_RANGE,
  PORTS_PER_PAIR,
  portsPerPair,
  sourceIpsNeeded,
} from '../../../runtime/contract/source-ips';
import { problemsOf } from '../../helpers/invalid-input';

describe('portsPerPair', () => {
  test('28,232 ports in the default range 32768-60999, per source IP and node', () => {
    expect(EPHEMERAL_PORT_RANGE).toEqual({ low: 32768, high: 60999 });
    expect(portsPerPair()).toBe(28_232);
    expect(PORTS_PER_PAIR).toBe(28_232);
    expect(portsPerPair({ low: 1024, high: 65535 })).toBe(64_512);
  });

  test('a malformed or empty range is refused, naming portRange', () => {
    expect(problemsOf(() => portsPerPair({ low: 2000, high: 1000 }))).toEqual([
      'portRange: empty (got 2000-1000)',
    ]);
    expect(problemsOf(() => portsPerPair({ low: 0, high: 1000 }))).toEqual([
      'portRange: integers within 1-65535 (got 0-1000)',
    ]);
  });
});

describe('sourceIpsNeeded', () => {
  test('the most connections to one node is the smaller of the target and the node cap', () => {
    expect(sourceIpsNeeded({ targetConnections: 40_000, maxConnectionsPerNode: 10_000 })).toEqual({
      perNode: 10_000,
      sourceIps: 1,
      portsPerPair: 28_232,
    });
    expect(sourceIpsNeeded({ targetConnections: 5_000, maxConnectionsPerNode: 10_000 }).perNode).toBe(5_000);
  });

  test('without a cap the whole target may go to one node', () => {
    expect(sourceIpsNeeded({ targetConnections: 40_000 })).toEqual({
      perNode: 40_000,
      sourceIps: 2,
      portsPerPair: 28_232,
    });
  });

  test('one source IP per 28,232 connections to one node, at least one', () => {
    const ips = (perNode: number) => sourceIpsNeeded({ targetConnections: perNode }).sourceIps;
    expect([0, 1, 28_232, 28_233, 65_536, 1_000_000].map(ips)).toEqual([1, 1, 1, 2, 3, 36]);
  });

  test('a narrowed range needs more addresses: 1,125 connections over 500 ports need 3', () => {
    expect(
      sourceIpsNeeded({ targetConnections: 1_125, portRange: { low: 40000, high: 40499 } }).sourceIps,
    ).toBe(3);
  });

  test('bad inputs are refused all at once, each naming its key', () => {
    expect(problemsOf(() => sourceIpsNeeded({ targetConnections: -1, maxConnectionsPerNode: 0 }))).toEqual([
      'targetConnections: a non-negative integer (got -1)',
      'maxConnectionsPerNode: a positive integer (got 0)',
    ]);
    expect(() => sourceIpsNeeded({ targetConnections: 1.5 })).toThrow(
      'invalid source-IP input:\n  targetConnections: a non-negative integer (got 1.5)',
    );
  });
});
